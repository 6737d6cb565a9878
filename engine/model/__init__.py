"""The engine's values: what a rule set, an order, an event, a decision and a problem are.

Every part of orderflow hands these around, so they import the standard library alone: no YAML,
no `transitions`, no SQL, nothing else of ours. Reading the model needs nothing else, and no
consumer of it pulls another part in. The modules:

- `definition`: the rule set as frozen dataclasses (`RuleSet`, `Status`, `Transition`,
  `Action`, `OrderField`, `Timer`, `ImportPolicy`, `FetchSchedule`, the `STAGES`).
- `conditions`: conditions as data (`FieldIn`, `FieldPresent`, `AllOf`, `AnyOf`, `Not`),
  evaluated on an order's fields.
- `migrations`: `Migrations` and `StatusMove`: where a new rule version moves its
  predecessor's renamed, merged and removed statuses.
- `properties`: `Property` and `StepPattern`: what a rule file promises about every order
  (always, never, eventually within), checked by `orderflow check`.
- `snapshot`: `OrderSnapshot`, an order as a channel reports it.
- `text`: whether every database takes a text (UTF-8, no NUL), checked before it is stored.
- `lines`: `OrderLine` and `LineState`, an order's cart lines, and how their mix reads.
- `events`: `Event` and `Anomaly`, what the runtime returns and the caller stores, and
  `FieldChange`, a rule field a newer snapshot reports changed.
- `outcome`: `Outcome`, what one runtime call returns.
- `blockers`: `Decision`, `Blocker` and `ChannelCommand`: may this order do that now, and why not.
- `problems`: `Location` and `Problem`, what is wrong where in a hand-written file.
- `errors`: the failures by cause (`RuleFileInvalid`, `CommandRefused`, `UnknownName`).
- `clock`: the injected `Clock` and the real `SystemClock`.
"""
