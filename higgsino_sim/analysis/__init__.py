"""Event selections and analysis variables over the flat event tables (docs/analysis.md).

- ``load_events``: the reconstructed objects of an ``hsim generate --card`` table as numpy
  arrays (``objects``);
- variables: ``delta_phi``, ``delta_r``, ``invariant_mass``, ``mt``, ``mt2``,
  ``m_tautau_collinear``, ``min_delta_phi``, ``ht_lep`` (``variables``);
- ``CutFlow`` and ``category_table`` (``cutflow``);
- ``select_cms_sus_24_003`` (CMS low-momentum lepton + track search, ``cms_sus_24_003``)
  and ``select_atlas_1l1t`` (ATLAS arXiv:1911.12606 SR-E-1l1T, ``atlas_1l1t``).
"""

from __future__ import annotations

from higgsino_sim.analysis.atlas_1l1t import (
    ATLAS_LUMI_FB,
    SR_EDGES,
    Atlas1l1tResult,
    atlas_1l1t_objects,
    d0_resolution,
    select_atlas_1l1t,
)
from higgsino_sim.analysis.cms_sus_24_003 import (
    CATEGORIES,
    NOT_REPRODUCED,
    PHASE_CARDS,
    PHASE_LUMI_FB,
    CmsResult,
    cms_objects,
    select_cms_sus_24_003,
)
from higgsino_sim.analysis.cutflow import CutFlow, CutStep, category_table
from higgsino_sim.analysis.objects import Events, load_events
from higgsino_sim.analysis.triggers import atlas_met_trigger_efficiency
from higgsino_sim.analysis.variables import (
    delta_phi,
    delta_r,
    ht_lep,
    invariant_mass,
    m_tautau_collinear,
    min_delta_phi,
    mt,
    mt2,
)

__all__ = [
    "ATLAS_LUMI_FB",
    "CATEGORIES",
    "NOT_REPRODUCED",
    "PHASE_CARDS",
    "PHASE_LUMI_FB",
    "SR_EDGES",
    "Atlas1l1tResult",
    "CmsResult",
    "CutFlow",
    "CutStep",
    "Events",
    "atlas_1l1t_objects",
    "atlas_met_trigger_efficiency",
    "category_table",
    "cms_objects",
    "d0_resolution",
    "delta_phi",
    "delta_r",
    "ht_lep",
    "invariant_mass",
    "load_events",
    "m_tautau_collinear",
    "min_delta_phi",
    "mt",
    "mt2",
    "select_atlas_1l1t",
    "select_cms_sus_24_003",
]
