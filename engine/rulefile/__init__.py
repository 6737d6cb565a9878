"""Rule files: the YAML a person edits, read into a `RuleSet` with every problem located, and back.

A marketplace is a rule file, so this is where a file becomes the engine's value. The loader
reads the YAML, builds the rule set section by section, then validates what it built with
engine.validation: that is why this package imports validation, and it imports nothing else of
ours but engine.model. The modules:

- `loader`: `load_rules` and `load_rules_text`: read, build, validate; every problem or one
  `RuleSet`.
- `yaml_source`: YAML for people who edit it by hand; every entry remembers its `file:line:col`.
- `limits`: how large a hand-written file may be, checked before the work each limit bounds.
- `reader`: typed reads from located YAML that collect problems (the scenario builder's too).
- `builder`: located YAML to a `RuleSet`, with the shape and every reference of each section
  checked.
- `field_reader`: the `fields` section: types, enum values with their spellings, sources.
- `condition_reader`: conditions (`field`/`in`, `all`, `any`, `not`) checked against the fields.
- `policy_reader`: the timers, the import policy, the fetch schedule and the status mapping.
- `migration_reader`: the `migrations` section: the predecessor's renamed, merged and removed
  statuses, each moved to a status of this file.
- `property_reader`: the `properties` section: always / never / eventually, each name checked.
- `field_paths`: where a field lives in a channel's order JSON, compiled once, read and written.
- `json_schema`: the format as a JSON Schema for editors (`rules/orderflow.schema.json`).
- `serialize`: a `RuleSet` back to plain data and to YAML a person can edit.
- `diagram`: a rule set drawn as Mermaid or Graphviz DOT, with measured edges when given.
- `rulebook`: the rule files an account runs under (`rules/` by default), found and loaded.
"""
