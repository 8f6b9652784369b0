"""Every bound event has a handler and every handled event is bound."""

from __future__ import annotations

from app import MANIFEST
from b24.manifest import Manifest
from handlers import router


def test_router_codes_equal_manifest_events() -> None:
    manifest = Manifest.load(MANIFEST)
    # ONAPPINSTALL arrives at the install URL, not through a binding.
    assert router.codes - {"ONAPPINSTALL"} == manifest.event_codes


def test_only_lifecycle_handlers_run_inline() -> None:
    inline = {code for code in router.codes if any(r.inline for r in router.handlers_for(code))}
    assert inline == {"ONAPPUNINSTALL"}
