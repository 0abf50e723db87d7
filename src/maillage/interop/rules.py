"""Who may do what with open data (django-rules).

- Stewards upload files to import (HSDS 3, 360Giving, Maillage's CSV template), read the dry runs' reports,
  confirm or abandon the imports, and download the exports from the page « Données ouvertes » and through
  the API (``/api/interop/…``, with a personal token).
- Nobody else imports: an import writes into every organisation of the directory.
- Everyone, signed in or not, downloads the exports (HSDS organisations, 360Giving grants): they hold what the
  directory already shows anyone (public fields, funding relations and their amounts), and open data is there
  to be reused.
"""

from __future__ import annotations

import rules

from maillage.directory.rules import is_steward

rules.add_perm("interop.import_data", is_steward)
rules.add_perm("interop.export_data", rules.always_allow)
