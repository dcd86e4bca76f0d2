"""The course as a static website: ``make site`` (``python -m ortlearn.site``) writes ``_site/``.

Built from the stored, executed notebooks (nothing is re-executed), the question banks (each as the
offline quiz page of ``ortlearn quiz export --format html``), the exercise files and the README. The
site works offline from any static server (``python -m http.server``) and fetches nothing from another
host. See :mod:`ortlearn.site.build` for what goes where, and the README's "The course as a website".
"""

from __future__ import annotations

from ortlearn.site.build import SiteReport, build_site

__all__ = ["SiteReport", "build_site"]
