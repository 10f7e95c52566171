"""Names that stand for one shipment once an order has been named with them: vessels, containers, bookings."""
from __future__ import annotations

import re

# "MSC ANNA", "OOCL BRIGHTON V.627W": a carrier code and a name in capitals; containers: 4 letters + 7 digits
_VESSEL = re.compile(r"(?<![A-Za-z])([A-Z]{2,6}(?: [A-Z]{3,}){1,2})(?![A-Za-z])")
_CONTAINER = re.compile(r"(?<![A-Za-z0-9])([A-Z]{4}\d{7})(?!\d)")
_BOOKING = re.compile(r"(?<![A-Za-z0-9])((?:SO|BKG|BK|BL|B/L)[ #:：-]?[A-Z]{0,4}\d{6,})(?!\d)")
# capital words that are trade terms or plain words, never part of a vessel's name
_NOT_NAMES = frozenset("""PO SO PL CI PI BL QC AQL FRI PSI ETD ETA FOB CIF EXW DDP DAP CY CFS LCL FCL HQ GP DC USD RMB
CBM KG PCS CTN CTNS SKU MADE IN CHINA THE AND FOR WITH FROM TO OF ON AT BY ASAP FYI NB OK PASS FAIL SSCC VGM POL POD
ETA ETD TBA TBC NEW OLD PORT TERMINAL CITY NINGBO SHANGHAI SHENZHEN YANTIAN SHEKOU XINGANG TIANJIN QINGDAO XIAMEN
GUANGZHOU NANSHA DALIAN HONG KONG LOS ANGELES LONG BEACH NEW YORK FELIXSTOWE ROTTERDAM HAMBURG ANTWERP""".split())


def references(text: str) -> set[str]:
    """Vessel names, container numbers and booking numbers written in a text."""
    found = set()
    for m in _VESSEL.finditer(text):
        parts = [p for p in m.group(1).split(" ") if p not in _NOT_NAMES]
        if len(parts) >= 2:
            found.add(" ".join(parts))
    found |= {m.group(1) for m in _CONTAINER.finditer(text)}
    found |= {re.sub(r"[ #:：-]", "", m.group(1)) for m in _BOOKING.finditer(text)}
    return found
