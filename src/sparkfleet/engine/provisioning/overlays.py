"""NodeOverlays in the price order: the price each offering has once the matching overlays are applied.

An overlay matches an offering when its requirements hold for the instance type's labels and the
offering's capacity type, zone and region; a requirement on any other key (a NodePool's `karpenter.sh/
nodepool` or template labels) holds only where absence satisfies it (NotIn, DoesNotExist), since the
price table is shared by every pool. Per offering the overlay of highest precedence that sets a price
wins (api.karpenter.order_overlays), as in Karpenter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sparkfleet.api.karpenter import NodeOverlay, adjusted_price, order_overlays
from sparkfleet.engine.provisioning.requirements import Requirements

if TYPE_CHECKING:
    from sparkfleet.engine.provisioning.tables import CompiledFleet

__all__ = ["apply_overlay_prices"]


def apply_overlay_prices(
    compiled: CompiledFleet,
    overlays: tuple[NodeOverlay, ...],
    type_keys: frozenset[str],
    offering_keys: frozenset[str],
) -> None:
    """Rewrite `compiled.base_price` in place with the overlays' prices (unavailable offerings stay inf)."""
    price = compiled.base_price
    decided = np.zeros(price.shape, dtype=bool)
    for overlay in order_overlays(o for o in overlays if o.sets_price):
        requirements = Requirements.from_requirements(overlay.spec.requirements)
        if any(
            not value_set.allows(None)
            for key, value_set in requirements
            if key not in type_keys and key not in offering_keys
        ):
            continue  # asks for a label no offering has
        cts, zones = compiled.offering_axes(requirements)
        if not cts or not zones:
            continue
        hit = np.zeros(price.shape, dtype=bool)
        axes = np.flatnonzero(compiled.type_mask(requirements)), np.asarray(cts), np.asarray(zones)
        hit[np.ix_(*axes)] = True
        hit &= ~decided & np.isfinite(price)
        for index in zip(*np.nonzero(hit), strict=True):
            price[index] = adjusted_price(float(price[index]), overlay)
        decided |= hit
