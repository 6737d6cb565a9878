"""How large a hand-written file may be, in one place, so a huge file is refused in a moment.

PyYAML's pure-Python parser takes about 60 µs of CPU per value, and the builder and the graph
checks grow faster than the file (each transition is compared with every other one on its
trigger), so a rule file of 200,000 statuses (4.7 MB) took 57 s of CPU before the only limit
then, on values once aliases are expanded, refused it with "check its aliases". Each limit below
is checked before the work it bounds: the size in bytes before the file is read, the values and
the nesting while parsing (the parser stops there), the sections of a rule file before they are
built. They are far above any marketplace (the largest shipped rule file is about 10 kB: 19
statuses, 19 transitions, 773 values, nested 8 deep) and low enough that `orderflow validate`
of a file at the limits takes about a second. `docs/rules.md` lists them; a test keeps it equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Any file read as YAML (rule files and scenarios), checked before parsing.
MAX_FILE_BYTES = 256 * 1024
# Values as written: every key, text, number, list and mapping counts one (an alias counts one).
MAX_VALUES = 15_000
# Lists and mappings inside one another; the file itself is level 1.
MAX_DEPTH = 40
# Values once aliases are expanded: a few lines of anchors can stand for billions of values.
MAX_EXPANDED_VALUES = 100_000

# Entries of a rule file's sections, checked before the sections are built.
MAX_STATUSES = 500
MAX_TRANSITIONS = 500
MAX_FIELDS = 500
MAX_FIELD_VALUES = 2_000  # the values of one enum field
MAX_ACTIONS = 500
MAX_TIMERS = 500
MAX_MAPPED_CODES = 2_000  # entries of `mapping`
SECTION_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "statuses": MAX_STATUSES,
        "transitions": MAX_TRANSITIONS,
        "fields": MAX_FIELDS,
        "actions": MAX_ACTIONS,
        "timers": MAX_TIMERS,
        "mapping": MAX_MAPPED_CODES,
    }
)
