"""F Prime's JSON dictionary (FPP's format, as `fprime-gds --dictionary` loads it in version 4) made from the
catalogue (pure). It also states the framework types and constants the wire uses (fsw/comm/fprime/packets.py), so
fprime-gds frames and reads exactly what the vehicle does."""
from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

from fsw.comm.fprime.catalogue import Catalogue, Enum, FType, Param, Str, catalogue
from fsw.config.stack import FprimeConfig
from fsw.runtime.commands import default_dictionary

SPEC_VERSION = "1.0"
FRAMEWORK_VERSION = "4.0.0"  # the F Prime version whose ground system this dictionary is for
# F Prime v4's framework types, as the vehicle serialises them (packets.py uses the same)
ALIASES = {"FwPacketDescriptorType": "U16", "FwOpcodeType": "U32", "FwChanIdType": "U32", "FwEventIdType": "U32",
           "FwSizeStoreType": "U16", "FwTimeContextStoreType": "U8", "FwTimeBaseStoreType": "U16",
           "FwTlmPacketizeIdType": "U16"}
APIDS = (("FW_PACKET_COMMAND", 0), ("FW_PACKET_TELEM", 1), ("FW_PACKET_LOG", 2), ("FW_PACKET_FILE", 3),
         ("FW_PACKET_PACKETIZED_TLM", 4), ("FW_PACKET_IDLE", 5), ("FW_PACKET_HAND", 0xFE),
         ("FW_PACKET_UNKNOWN", 0xFF), ("CCSDS_SPACE_PACKET_IDLE_APID", 0x7FF))
TIME_BASES = (("TB_NONE", 0), ("TB_PROC_TIME", 1), ("TB_WORKSTATION_TIME", 2), ("TB_SC_TIME", 3),
              ("TB_FPGA_TIME", 4), ("TB_DONT_CARE", 0xFFFF))


def type_json(t: FType) -> dict[str, Any]:
    if isinstance(t, Str):
        return {"name": "string", "kind": "string", "size": t.size}
    if isinstance(t, Enum):
        return {"name": t.qualified, "kind": "qualifiedIdentifier"}
    kind = "bool" if t == "bool" else ("float" if t.startswith("F") else "integer")
    out: dict[str, Any] = {"name": t, "kind": kind, "size": 8 if t == "bool" else int(t[1:])}
    if kind == "integer":
        out["signed"] = t.startswith("I")
    return out


def _enum_json(qualified: str, numbered: list[tuple[str, int]], rep: str) -> dict[str, Any]:
    return {"kind": "enum", "qualifiedName": qualified, "representationType": type_json(rep),
            "enumeratedConstants": [{"name": n, "value": v} for n, v in numbered], "default": f"{qualified}.{numbered[0][0]}"}


def _params(params: tuple[Param, ...]) -> list[dict[str, Any]]:
    return [{"name": p.name, "type": type_json(p.type), "ref": False, "annotation": p.annotation} for p in params]


def _type_definitions(cat: Catalogue) -> list[dict[str, Any]]:
    out = [{"kind": "alias", "qualifiedName": name, "type": type_json(rep), "underlyingType": type_json(rep)}
           for name, rep in ALIASES.items()]
    out.append(_enum_json("ComCfg.Apid", list(APIDS), "U16"))
    out.append(_enum_json("TimeBase", list(TIME_BASES), "U16"))
    out += [_enum_json(e.qualified, e.numbered(), e.rep) for e in cat.types()]
    return out


def dictionary_json(cat: Catalogue, spacecraft_id: int, tm_frame_bytes: int, version: str) -> dict[str, Any]:
    """The whole dictionary. `spacecraft_id` and `tm_frame_bytes` are the CCSDS framing's (fprime-gds reads them
    from here: ComCfg.SpacecraftId, ComCfg.TmFrameFixedSize)."""
    constants = [{"qualifiedName": "ComCfg.SpacecraftId", "type": type_json("U32"), "value": spacecraft_id},
                 {"qualifiedName": "ComCfg.TmFrameFixedSize", "type": type_json("U32"), "value": tm_frame_bytes},
                 {"qualifiedName": "FW_SERIALIZE_TRUE_VALUE", "type": type_json("U8"), "value": 0xFF},
                 {"qualifiedName": "FW_SERIALIZE_FALSE_VALUE", "type": type_json("U8"), "value": 0}]
    return {
        "metadata": {"deploymentName": "ginny", "projectVersion": version, "frameworkVersion": FRAMEWORK_VERSION,
                     "libraryVersions": [], "dictionarySpecVersion": SPEC_VERSION},
        "typeDefinitions": _type_definitions(cat),
        "constants": constants,
        "commands": [{"name": c.full_name, "commandKind": "sync", "opcode": c.opcode, "formalParams": _params(c.params),
                      "annotation": c.cdef.help} for c in cat.commands],
        "parameters": [{"name": f"{p.component}.{p.name}", "type": type_json(p.type), "id": p.id,
                        "default": p.default, "annotation": f"a [flight] setting (SET_PARAM {p.name})"}
                       for p in cat.parameters],
        "events": [{"name": f"{e.component}.{e.name}", "severity": e.severity, "id": e.id,
                    "formalParams": _params(e.params), "format": e.format, "annotation": e.annotation}
                   for e in cat.events],
        "telemetryChannels": [{"name": f"{c.component}.{c.name}", "type": type_json(c.type), "id": c.id,
                               "telemetryUpdate": "always", "annotation": c.annotation or c.key}
                              for c in cat.channels],
        "records": [], "containers": [], "telemetryPacketSets": [],
    }


def write_dictionary(path: Path, fprime: FprimeConfig) -> dict[str, int]:
    """ginny's F Prime dictionary into `path` (its framing constants from `fprime`); how many of each it holds."""
    cat = catalogue(default_dictionary())
    d = dictionary_json(cat, fprime.spacecraft_id, fprime.tm_frame_bytes, _version())
    Path(path).write_text(json.dumps(d, indent=1) + "\n", encoding="utf-8")
    return {"commands": len(cat.commands), "events": len(cat.events), "channels": len(cat.channels)}


def gds_command(dictionary: Path, fprime: FprimeConfig) -> str:
    """The fprime-gds command line that flies a vehicle with this F Prime link."""
    where = "--ip-client " if fprime.mode == "server" else ""
    return (f"fprime-gds -n --dictionary {dictionary} {where}--ip-address {fprime.address} --ip-port {fprime.port} "
            f"--framing-selection {fprime.framing}")


def _version() -> str:
    try:
        return metadata.version("ginny")
    except metadata.PackageNotFoundError:
        return "unknown"
