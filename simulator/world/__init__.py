"""The simulated world: what really happens to each order, in virtual time, as numpy columns.

Orders move in cohorts (those that entered a status together, with equal fields) by a handful of
vectorised draws from one seeded generator, never one Python step per order, so a million orders
take seconds and a seed fixes every value. The seller acts through the engine's command path, so
what it may do is what the rule file allows. The modules:

- `arrivals`: when orders arrive: a seasonal Poisson rate, or a fixed count spread the same way.
- `fields`: `FieldTable`, order fields as small integer codes that group orders into cohorts.
- `clock`: `VirtualClock`, the engine's `Clock` over whole seconds since the scenario's start.
- `marketplace`: `Marketplace`, each order's real status path: happenings, seller, timers race.
- `heap`: `give_back`, the C allocator's free pages returned to the system (glibc's malloc).
- `seller`: the seller, acting only on what a fetch has shown, through the engine.
- `draws`: `Draws`, what a run drew of each cause, recorded as drawn when a run is given one.
- `truth`: `Truth`, every status change and every command of a run, as columns.
"""
