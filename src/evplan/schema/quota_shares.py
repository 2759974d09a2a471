"""The maker's share of a national tariff-rate quota shared by every importer."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

QUOTA_SHARES = Table(
    name="quota_shares",
    description=(
        "The share of a national quota (duties.csv quota_group) the planned maker can use: "
        "the quota is national and shared by every importer, so the model's quota is the "
        "national volume x this share."
    ),
    key=("quota_group",),
    required=False,
    columns=(
        Column("quota_group", "str", "-", "A quota_group named in duties.csv."),
        Column(
            "share_of_quota", "float", "fraction",
            "Share of the national quota available to this maker.", minimum=0, maximum=1,
        ),
        source_column(),
    ),
    notes=("Quota groups without a row here are the maker's in full.",
           "A row whose quota_group no duties.csv row with a quota names is an error (it "
           "would never apply).",),
)
