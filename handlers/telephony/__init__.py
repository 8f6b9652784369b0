"""The telephony area's business rules.

config (settings, region), matching (who owns a number), intake (what a call asks of the CRM),
work / pbx_work (the queued portal work), pbx_api (the PBX endpoint's contract), callback
("Перезвонить"), kpis / kpi_sql (call KPIs in SQL), texts (what we write into the portal).
"""
