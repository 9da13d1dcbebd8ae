"""A synthetic national repository for benchmarks and scale tests.

    python -m benchmarks.generate OUT_DIR [--seed N] [--units 30000] [--programs 1000]
                                          [--people 10000] [--activations 150000] [--errors N]
                                          [--as-of 2026-11-23]

The model keeps one care provider per repository (sobctl.yaml), so the nation is one root
care provider with the 21 regions as care-provider units under it; each region has a
publishing unit, care units, linked units under some care units, and private providers
(care-provider units with a care agreement) with their own care units. People hold the
roles every rule asks for, programs carry copyright records and approvals bound to their
content fingerprint (computed by ``sobctl.model.fingerprint``), units run ~150,000
activations. The result is the same for the same seed and passes ``sobctl validate
--as-of AS_OF`` with no errors and no warnings.

``--errors N`` then adds N findings spread over every kind of problem the generator knows
how to make (file, schema, reference, policy, lifecycle, agreement, publishing and
version problems). Each injected problem yields a known set of diagnostics; the expected
count per code is printed and written to ``OUT_DIR/expected-diagnostics.json``.

Files are written with plain string building (no YAML library), then committed as one
git commit (validation's cache is keyed by git blob ids).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 23)
AREAS = ("adhd", "early-interventions", "anxiety-depression", "schizophrenia", "self-harm", "addiction")
KINDS = ("treatment", "support", "education", "self-assessment")
STEP_KINDS = ("text", "video", "audio", "exercise", "questionnaire", "diary", "message")
LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "CC-BY-NC-4.0", "MIT")
REGION_NAMES = (
    "Stockholm", "Uppsala", "Sörmland", "Östergötland", "Jönköpings län", "Kronoberg", "Kalmar län",
    "Gotland", "Blekinge", "Skåne", "Halland", "Västra Götaland", "Värmland", "Örebro län", "Västmanland",
    "Dalarna", "Gävleborg", "Västernorrland", "Jämtland Härjedalen", "Västerbotten", "Norrbotten",
)
FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per", "Lena", "Mikael",
         "Emma", "Nils", "Ida", "Oskar", "Elin", "Gustav", "Sofia", "Björn", "Åsa", "Örjan", "Märta", "Ulf")
LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
        "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindqvist", "Ström", "Åberg", "Öhman", "Berg")
TOPICS = ("depression", "ångest", "sömn", "stress", "adhd", "alkohol", "spel", "ätstörning", "smärta", "oro",
          "panik", "social-fobi", "tvang", "trauma", "föräldrastöd", "självskada", "psykos", "cannabis")
WORDS = ("Introduktion", "Psykoedukation", "Beteendeaktivering", "Exponering", "Kognitiv omstrukturering",
         "Sömnhygien", "Avslappning", "Problemlösning", "Återfallsprevention", "Värderingar", "Mindfulness",
         "Uppföljning", "Målsättning", "Dagbok", "Avslutning")

_PLAIN = re.compile(r"^[A-Za-zÅÄÖåäöÉéÜü][\wÅÄÖåäöÉéÜü .,/()'-]*$")
_KEYWORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


# --- identifiers --------------------------------------------------------------------------------


def orgnr(nine: str) -> str:
    """Nine digits and their Luhn check digit: a valid Swedish organisation number."""
    from stdnum import luhn

    return nine + str(luhn.calc_check_digit(nine))


def region_org(k: int) -> str:
    """Region k's organisation number (k=1 is 232100-0016, as in the demo region)."""
    return orgnr(f"2321000{k:02d}")


def private_org(k: int) -> str:
    return orgnr(f"55{k:07d}")


# --- YAML text ----------------------------------------------------------------------------------


def scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if (
        _PLAIN.match(text)
        and text.lower() not in _KEYWORDS
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def emit(value: Any, indent: str, out: list[str]) -> None:
    """Block-style YAML of a mapping (``value`` must be a dict) into ``out`` lines."""
    for key, item in value.items():
        if isinstance(item, dict):
            if item:
                out.append(f"{indent}{key}:")
                emit(item, indent + "  ", out)
            else:
                out.append(f"{indent}{key}: {{}}")
        elif isinstance(item, list):
            if not item:
                out.append(f"{indent}{key}: []")
                continue
            out.append(f"{indent}{key}:")
            for element in item:
                if isinstance(element, dict):
                    lines: list[str] = []
                    emit(element, indent + "    ", lines)
                    first = lines[0]
                    out.append(f"{indent}  - {first[len(indent) + 4:]}")
                    out.extend(lines[1:])
                else:
                    out.append(f"{indent}  - {scalar(element)}")
        else:
            out.append(f"{indent}{key}: {scalar(item)}")


def render(kind: str, document: dict[str, Any]) -> str:
    lines = [f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"]
    emit(document, "", lines)
    return "\n".join(lines) + "\n"


# --- the national repository ---------------------------------------------------------------------


class _Exhausted(Exception):
    """No fresh document of a kind is left to carry another injected problem."""


class Nation:
    """Builds the documents as dicts; ``files()`` renders them."""

    def __init__(self, seed: int, units: int, programs: int, people: int, activations: int, as_of: dt.date):
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.n_units = max(units, 40)
        self.n_programs = max(programs, 12)
        self.n_people = max(people, 60)
        self.n_activations = activations
        self.units: dict[str, dict[str, Any]] = {}
        self.people: dict[str, dict[str, Any]] = {}
        self.programs: dict[str, dict[str, Any]] = {}
        self.agreements: dict[str, dict[str, Any]] = {}
        self.extra_files: dict[str, bytes] = {}
        self.symlinks: dict[str, str] = {}
        self.root = "SE" + region_org(1) + "-0000"
        self.expected: Counter[str] = Counter()
        self._decision = 0
        self._email = 0

    # small helpers
    def decision(self) -> str:
        self._decision += 1
        return f"RS {2023 + self._decision % 3}/{self._decision % 10000:04d}"

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def person(self, org: str, number: int, pool: list[str] | None = None) -> str:
        pid = f"SE{org}-P{number:05d}"
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        self._email += 1
        email = f"{first}.{last}.{self._email}@region{org[-4:]}.se".lower()
        email = email.translate(str.maketrans("åäöéü", "aaoeu"))
        self.people[pid] = {"hsa_id": pid, "name": f"{first} {last}", "emails": [email], "grants": []}
        if pool is not None:
            pool.append(pid)
        return pid

    def grant(self, person: str, role: str, scope: str, by: str, at: dt.date = dt.date(2024, 1, 10)) -> None:
        if by == person:
            raise AssertionError("a generated grant would be a self-grant")
        self.people[person]["grants"].append(
            {"role": role, "scope": scope, "granted_by": by, "granted_at": at, "decision": self.decision()}
        )

    def unit(self, uid: str, name: str, kind: str, parent: str | None, status: str = "active",
             **more: Any) -> dict[str, Any]:
        document: dict[str, Any] = {"hsa_id": uid, "name": name, "type": kind}
        if parent is not None:
            document["parent"] = parent
        document.update(more)
        document["status"] = status
        if status != "inactive":
            history = [{"status": "active", "date": dt.date(2024, 1, 15), "by": self.admins[0],
                        "decision": self.decision()}]
            if status in ("deactivated", "archived"):
                history.append({"status": "deactivated", "date": dt.date(2025, 6, 1), "by": self.admins[1],
                                "reason": "Verksamheten har upphört."})
            if status == "archived":
                history.append({"status": "archived", "date": dt.date(2025, 9, 1), "by": self.admins[0]})
            document["status_history"] = history
        self.units[uid] = document
        return document

    def agreement(self, aid: str, kind: str, title: str, counterparty: str, org: str, **more: Any) -> None:
        document: dict[str, Any] = {
            "id": aid, "kind": kind, "title": title,
            "counterparty": {"name": counterparty, "org_number": f"{org[:6]}-{org[6:]}"},
            "valid_from": dt.date(2023, 1, 1), "valid_to": dt.date(2031, 12, 31),
        }
        document.update(more)
        document.setdefault("contact", self.contact)
        document.setdefault("last_review", self.as_of - dt.timedelta(days=30 + self.rng.randrange(200)))
        self.agreements[aid] = document

    # the build
    def build(self) -> Nation:
        rng = self.rng
        n_regions = 21 if self.n_units >= 2000 else max(2, min(21, self.n_units // 60))
        root_org = region_org(1)
        # The care provider's own people: administrators and the contact person.
        self.admins = [f"SE{root_org}-P{n:05d}" for n in (1, 2, 3, 4)]
        for pid in self.admins:
            self.person(root_org, int(pid[-5:]))
        self.contact = self.person(root_org, 5)
        for i, pid in enumerate(self.admins):
            self.grant(pid, "vardgivaradministrator", self.root, self.admins[(i + 1) % 4])
        self.grant(self.contact, "kontaktperson", self.root, self.admins[0])
        self.unit(self.root, "Nationell samverkan Stöd och behandling", "care-provider", None)
        self.agreement("kundavtal-inera", "customer", "Kundavtal Stöd och behandling", "Inera AB",
                       orgnr("556559423"))

        # Regions: a care-provider node, a publishing unit, private providers; people pools.
        regions: list[dict[str, Any]] = []
        private_per_region = 3 if self.n_units >= 2000 else 1
        for k in range(n_regions):
            org = region_org(k + 2) if k else root_org
            name = f"Region {REGION_NAMES[k]}"
            node = f"SE{org}-R000"
            self.unit(node, name, "care-provider", self.root)
            publishing = f"SE{org}-U000"
            self.unit(publishing, f"Utgivarenhet {name}", "publishing-unit", node)
            region: dict[str, Any] = {"org": org, "node": node, "publishing": publishing, "name": name,
                                      "pool": [], "next": 100, "privates": [], "approvers": []}
            regions.append(region)
            for role in ("designer", "designer", "utgivare", "utgivare", "utgivare"):
                pid = self.next_person(region)
                self.grant(pid, role, publishing, rng.choice(self.admins))
                region.setdefault(role, []).append(pid)
            for _ in range(3):
                pid = self.next_person(region)
                self.grant(pid, "medicinskt-ansvarig", node, rng.choice(self.admins))
                region["approvers"].append(pid)
            for p in range(private_per_region):
                index = k * 10 + p + 1
                porg = private_org(index)
                provider = f"SE{porg}-V000"
                areas = sorted(rng.sample(AREAS, rng.randint(2, 5)))
                aid = f"vardavtal-{index:03d}"
                self.agreement(aid, "care", f"Vårdavtal {name} {p + 1}", f"Privatvård {index} AB", porg,
                               covers={"areas": areas})
                self.unit(provider, f"Privatvård {index} AB", "care-provider", node,
                          ownership={"kind": "private", "care_agreement": aid})
                approver = self.next_person(region)
                self.grant(approver, "medicinskt-ansvarig", provider, rng.choice(self.admins))
                region["privates"].append({"id": provider, "areas": set(areas), "approver": approver,
                                           "org": porg, "next": 1})

        # Content providers and inter-regional agreements.
        content_providers = [f"innehall-{i:03d}" for i in range(max(3, self.n_programs // 25))]
        for i, aid in enumerate(content_providers):
            self.agreement(aid, "content-provider", f"Innehållsavtal {i + 1}", f"Förlaget {i + 1} AB",
                           orgnr(f"556{i:06d}"), covers={"areas": sorted(rng.sample(AREAS, 3))})
        inter_regional = [f"samverkan-{i:03d}" for i in range(max(2, self.n_programs // 50))]
        for i, aid in enumerate(inter_regional):
            other = regions[(i + 1) % len(regions)]
            self.agreement(aid, "inter-regional", f"Samverkan {other['name']} {i + 1}", other["name"],
                           other["org"], covers={"areas": sorted(rng.sample(AREAS, 2))})

        self.build_programs(regions, content_providers, inter_regional)

        # Units: care units under regions and private providers, linked units under care units.
        remaining = self.n_units - len(self.units)
        care_units: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]] = []
        for n in range(remaining):
            region = regions[n % len(regions)]
            roll = rng.random()
            private = region["privates"][n % len(region["privates"])] if roll < 0.08 else None
            if private is not None:
                uid = f"SE{private['org']}-V{private['next']:04d}"
                private["next"] += 1
                parent = private["id"]
                kind = "care-unit"
            else:
                region["next"] += 1
                uid = f"SE{region['org']}-E{region['next']:05d}"
                linked_parent = [u for u, r, p in care_units[-40:] if r is region and p is None
                                 and u["type"] == "care-unit" and u["status"] == "active"]
                if roll > 0.8 and linked_parent:
                    parent = linked_parent[-1]["hsa_id"]
                    kind = "linked-unit"
                else:
                    parent = region["node"]
                    kind = "care-unit"
            status_roll = rng.random()
            status = ("inactive" if status_roll < 0.04 else "deactivated" if status_roll < 0.06
                      else "archived" if status_roll < 0.07 else "active")
            if kind == "linked-unit" and status != "active":
                status = "active"
            topic = rng.choice(("Psykiatrimottagning", "Vårdcentral", "BUP", "Beroendemottagning",
                                "Ungdomsmottagning", "Hälsocentral"))
            more: dict[str, Any] = {}
            if rng.random() < 0.3:
                more["hsa_valid_to"] = dt.date(2030 + rng.randrange(5), 12, 31)
            document = self.unit(uid, f"{topic} {REGION_NAMES[regions.index(region)]} {n}", kind, parent,
                                 status, **more)
            care_units.append((document, region, private))

        # Permission administrators (two per active care/linked unit) and staff.
        for document, region, _private in care_units:
            if document["status"] != "active":
                continue
            admins = rng.sample(region["pool"][:-1] or region["pool"], 2) if len(region["pool"]) > 40 else []
            while len(admins) < 2:
                admins.append(self.next_person(region))
            for pid in admins:
                self.grant(pid, "behorighetsadministrator", document["hsa_id"], rng.choice(self.admins))
            if rng.random() < 0.3:
                staff = rng.choice(region["pool"])
                self.grant(staff, rng.choice(("behandlare", "invanaradministrator", "dataadministrator")),
                           document["hsa_id"], admins[0] if admins[0] != staff else admins[1])
        # Fill the people budget with unit staff.
        active_by_region: dict[str, list[dict[str, Any]]] = {}
        for document, region, _private in care_units:
            if document["status"] == "active":
                active_by_region.setdefault(region["node"], []).append(document)
        while len(self.people) < self.n_people:
            region = regions[len(self.people) % len(regions)]
            pid = self.next_person(region)
            candidates = active_by_region.get(region["node"], [])
            if candidates:
                self.grant(pid, "behandlare", rng.choice(candidates)["hsa_id"], rng.choice(self.admins))

        self.build_activations(care_units)
        return self

    def next_person(self, region: dict[str, Any]) -> str:
        region["next"] += 1
        return self.person(region["org"], region["next"], region["pool"])

    def build_programs(self, regions: list[dict[str, Any]], content: list[str], inter: list[str]) -> None:
        from sobctl.model.entities import Program
        from sobctl.model.fingerprint import fingerprint

        rng = self.rng
        self.runnable: list[tuple[str, int, str]] = []  # (id, major, area)
        for n in range(self.n_programs):
            region = regions[n % len(regions)]
            topic = rng.choice(TOPICS)
            pid = f"{rng.choice(('kbt', 'stod', 'behandling', 'program', 'egenvard'))}-{topic}-{n:04d}"
            pid = pid.translate(str.maketrans("åäöé", "aaoe"))
            kind = rng.choice(KINDS)
            area = rng.choice(AREAS)
            roll = rng.random()
            status = ("draft" if roll < 0.06 else "in-review" if roll < 0.10
                      else "deprecated" if roll < 0.15 else "published")
            producer_roll = rng.random()
            producer: dict[str, Any]
            if producer_roll < 0.6:
                producer = {"kind": "own"}
            elif producer_roll < 0.7:
                producer = {"kind": "national"}
            elif producer_roll < 0.9:
                producer = {"kind": "external", "agreement": rng.choice(content)}
            else:
                producer = {"kind": "region", "agreement": rng.choice(inter)}
            modules = []
            for m in range(rng.randint(2, 6)):
                sections = []
                for s in range(rng.randint(1, 3)):
                    steps = []
                    for t in range(rng.randint(1, 4)):
                        step: dict[str, Any] = {"title": f"Steg {t + 1}: {rng.choice(WORDS)}",
                                                "kind": rng.choice(STEP_KINDS)}
                        if rng.random() < 0.3:
                            step["text"] = f"Läs texten och gör övningen i lugn och ro, del {t + 1}."
                        steps.append(step)
                    sections.append({"title": f"Avsnitt {s + 1}", "steps": steps})
                modules.append({"id": f"modul-{m + 1}", "title": rng.choice(WORDS), "sections": sections})
            publisher = rng.choice(region["utgivare"])
            approver = rng.choice(region["approvers"])
            document: dict[str, Any] = {
                "id": pid,
                "title": f"{rng.choice(WORDS)} vid {topic.replace('-', ' ')}",
                "kind": kind,
                "area": area,
                "target_group": rng.choice(("Vuxna", "Unga 13–17 år", "Föräldrar", "Äldre")),
                "open": rng.random() < 0.2,
                "owning_unit": region["publishing"],
                "publishing_unit": region["publishing"],
                "responsible_publisher": publisher,
                "medically_responsible": approver,
                "producer": producer,
                "status": status,
                "version": "",
                "history": [],
                "content": {"modules": modules},
                "contributors": [
                    {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                     "role": rng.choice(("author", "illustrator", "narrator", "photographer")),
                     "records": [{"kind": rng.choice(("waiver", "assignment")), "document": self.decision(),
                                  "date": dt.date(2023, 1 + rng.randrange(12), 1 + rng.randrange(28))}]}
                    for _ in range(rng.randint(1, 4))
                ],
                "assets": [],
                "risk_analysis": {"reference": f"RA {2024}/{n:04d}", "date": dt.date(2024, 1, 20)},
            }
            for a in range(rng.randint(0, 3)):
                if producer["kind"] in ("external", "region") and a == 0:
                    document["assets"].append({"name": f"Film {a + 1}", "agreement": producer["agreement"]})
                else:
                    document["assets"].append({"name": f"Bild {a + 1}", "licence": rng.choice(LICENCES)})
            if rng.random() < 0.3 and status in ("draft", "in-review"):
                del document["risk_analysis"]
            major = rng.randint(1, 3)
            minor = rng.randint(0, 4)
            live = status in ("published", "deprecated")
            if not live:
                major, minor = 0, rng.randint(1, 5)
            document["version"] = f"{major}.{minor}"
            model = Program.model_validate({**document, "history": []})
            current = fingerprint(model)
            history = []
            older = [(v, 0) for v in range(1, major)] + ([(major, minor - 1)] if minor > 0 else [])
            for i, (omaj, omin) in enumerate(older[-2:]):
                old_print = "sha256:" + f"{omaj:02d}{omin:02d}{n:06d}".rjust(64, "a")
                history.append({
                    "version": f"{omaj}.{omin}", "date": dt.date(2024, 2 + i, 1),
                    "note": "Tidigare version.", "published": dt.date(2024, 2 + i, 15) if live else None,
                    "fingerprint": old_print if live else None,
                    "approvals": ([{"by": publisher, "role": "utgivare", "at": dt.date(2024, 2 + i, 10),
                                    "fingerprint": old_print}]
                                  # every published version of a treatment program needs the medical approval
                                  + ([{"by": approver, "role": "medicinskt-ansvarig", "at": dt.date(2024, 2 + i, 12),
                                       "fingerprint": old_print}] if kind == "treatment" else [])) if live else [],
                })
            entry: dict[str, Any] = {"version": document["version"], "date": dt.date(2025, 3, 1),
                                     "note": "Aktuell version."}
            approvals = [{"by": publisher, "role": "utgivare", "at": dt.date(2025, 3, 10), "fingerprint": current}]
            if kind == "treatment" or rng.random() < 0.5:
                approvals.append({"by": approver, "role": "medicinskt-ansvarig", "at": dt.date(2025, 3, 12),
                                  "fingerprint": current})
            if live:
                entry["approvals"] = approvals
                entry["published"] = dt.date(2025, 3, 15)
                entry["fingerprint"] = current
                self.runnable.append((pid, major, area))
            elif status == "in-review":
                entry["approvals"] = approvals[:1]
            history.append(entry)
            for item in history:
                for key in [k for k, v in item.items() if v is None]:
                    del item[key]
            document["history"] = history
            if not document["assets"]:
                del document["assets"]
            self.programs[pid] = document

    def build_activations(self, care_units: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]]
                          ) -> None:
        rng = self.rng
        active = [(d, r, p) for d, r, p in care_units if d["status"] == "active"]
        if not active:
            return
        per_unit = self.n_activations / len(active)
        by_area: dict[str, list[tuple[str, int, str]]] = {}
        for item in self.runnable:
            by_area.setdefault(item[2], []).append(item)
        carry = 0.0
        for document, region, private in active:
            carry += per_unit
            count = int(carry)
            carry -= count
            if private is not None:
                choices = [item for area in sorted(private["areas"]) for item in by_area.get(area, [])]
                approver = private["approver"]
            else:
                choices = self.runnable
                approver = None
            picked = rng.sample(choices, min(count, len(choices)))
            activations = []
            for pid, major, _area in picked:
                activations.append({
                    "program": pid, "major": major,
                    "activated": self.day(dt.date(2025, 3, 20), dt.date(2026, 10, 1)),
                    "by": rng.choice(self.admins),
                    "approved_by": approver or rng.choice(region["approvers"]),
                    "decision": self.decision(),
                })
            if activations:
                document["programs"] = activations

    # --- errors -------------------------------------------------------------------------------

    def inject(self, count: int) -> None:
        """Add ``count`` findings, round-robin over every kind; each records what it must produce."""
        injectors = self.injectors()
        used_once: set[str] = set()
        made = 0
        round_number = 0
        exhausted: set[str] = set()
        while made < count:
            progressed = False
            for name, once, function in injectors:
                if made >= count:
                    break
                if (once and name in used_once) or name in exhausted:
                    continue
                try:
                    produced = function(round_number)
                except _Exhausted:
                    produced = {}
                if not produced:
                    exhausted.add(name)
                    continue
                used_once.add(name)
                self.expected.update(produced)
                made += sum(produced.values())
                progressed = True
            round_number += 1
            if not progressed:
                break

    def injectors(self) -> list[tuple[str, bool, Callable[[int], dict[str, int]]]]:
        rng = random.Random(4711)
        root = self.root
        admin = self.admins[0]
        org = region_org(1)
        region_units = sorted(u for u, d in self.units.items()
                              if "-E" in u and d["status"] == "active" and d.get("programs"))
        private_units = [u for u, d in self.units.items() if "-V" in u and not u.endswith("V000")
                         and d["status"] == "active" and d.get("programs")]
        published = sorted(p for p, d in self.programs.items() if d["status"] == "published")
        treatment = [p for p in published if self.programs[p]["kind"] == "treatment"]
        drafts = sorted(p for p, d in self.programs.items() if d["status"] == "draft")
        people = sorted(p for p, d in self.people.items() if d["grants"] and p not in self.admins
                        and p != self.contact)
        own = [p for p in published if self.programs[p]["producer"]["kind"] == "own"]
        running = {a["program"] for d in self.units.values() for a in d.get("programs", [])}
        own_unrun = [p for p in own if p not in running]
        rng.shuffle(region_units)
        rng.shuffle(people)
        pools = {"units": region_units, "privates": private_units, "published": published, "people": people,
                 "treatment": treatment, "own": own, "own_unrun": own_unrun}
        taken: set[str] = set()

        def fresh(pool: str) -> str:
            for item in pools[pool]:
                if item not in taken:
                    taken.add(item)
                    return item
            raise _Exhausted(pool)

        def new_unit_id(k: int, tag: str) -> str:
            return f"SE{org}-X{tag}{k:04d}"

        def plain_unit(uid: str, **more: Any) -> dict[str, Any]:
            document: dict[str, Any] = {"hsa_id": uid, "name": "Testenhet", "type": "care-unit", "parent": root}
            document.update(more)
            document.setdefault("status", "inactive")
            return document

        def text_file(path: str, data: bytes) -> None:
            self.extra_files[path] = data

        def unit_file(uid: str, document: dict[str, Any], name: str | None = None) -> None:
            self.extra_files[f"units/{name or uid}.yaml"] = render("unit", document).encode()

        def e001(k: int) -> dict[str, int]:
            text_file(f"units/{new_unit_id(k, 'A')}.yaml", b"hsa_id: [not closed\nname: x\n")
            return {"SOB001": 1}

        def e002(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "B")
            text = render("unit", plain_unit(uid)) + "name: Dubbel\n"
            text_file(f"units/{uid}.yaml", text.encode())
            return {"SOB002": 1}

        def e003(k: int) -> dict[str, int]:
            text_file(f"units/{new_unit_id(k, 'C')}.yaml", b"# nothing here\n")
            return {"SOB003": 1}

        def e004(k: int) -> dict[str, int]:
            text_file(f"units/{new_unit_id(k, 'D')}.yaml", b"hsa_id: SE\xff\xfe\nname: x\n")
            return {"SOB004": 1}

        def e005(k: int) -> dict[str, int]:
            text_file(f"units/{new_unit_id(k, 'E')}.yaml", b"# padding\n" * 110_000)
            return {"SOB005": 1}

        def e006(k: int) -> dict[str, int]:
            bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
            for level in range(1, 9):
                bomb.append(f"{chr(97 + level)}: &{chr(97 + level)} [" + ", ".join([f"*{chr(96 + level)}"] * 10)
                            + "]")
            text_file(f"units/{new_unit_id(k, 'F')}.yaml", ("\n".join(bomb) + "\n").encode())
            return {"SOB006": 1}

        def e007(k: int) -> dict[str, int]:
            self.symlinks[f"units/{new_unit_id(k, 'G')}.yaml"] = "/etc/hostname"
            return {"SOB007": 1}

        def e008(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "H")
            text_file(f"units/{uid}.yml", render("unit", plain_unit(uid)).encode())
            return {"SOB008": 1}

        def e009(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "I")
            unit_file(uid, plain_unit(uid), name=new_unit_id(k, "J"))
            return {"SOB009": 1}

        def e010(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "K")
            document = plain_unit(uid)
            del document["name"]
            unit_file(uid, document)
            return {"SOB010": 1}

        def e011(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "L")
            unit_file(uid, plain_unit(uid, colour="blå"))
            return {"SOB011": 1}

        def e012(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "M")
            unit_file(uid, plain_unit(uid, type="hospital"))
            return {"SOB012": 1}

        def e101(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "N")
            unit_file(uid, plain_unit(uid, parent=f"SE{org}-NOPARENT{k}"))
            return {"SOB101": 1}

        def e108(k: int) -> dict[str, int]:
            a, b = new_unit_id(k, "O"), new_unit_id(k, "P")
            unit_file(a, plain_unit(a, parent=b))
            unit_file(b, plain_unit(b, parent=a))
            return {"SOB108": 2}

        def e103(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "Q")
            unit_file(uid, plain_unit(uid, status_history=[
                {"status": "inactive", "date": dt.date(2024, 1, 1), "by": f"SE{org}-NOBODY{k}"}]))
            return {"SOB103": 1}

        def e306(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "R")
            unit_file(uid, plain_unit(uid, type="care-provider", hsa_valid_to=dt.date(2025, 1, 1), status="active",
                                      status_history=[{"status": "active", "date": dt.date(2024, 1, 1),
                                                       "by": admin}]))
            return {"SOB306": 1}

        def e307(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "S")
            unit_file(uid, plain_unit(uid, type="care-provider", status_history=[
                {"status": "active", "date": dt.date(2024, 1, 1), "by": admin}]))
            return {"SOB307": 1}

        def e106(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "T")
            unit_file(uid, plain_unit(uid, type="care-provider",
                                      ownership={"kind": "private", "care_agreement": f"saknas-{k}"}))
            return {"SOB106": 1}

        def e109(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "U")
            unit_file(uid, plain_unit(uid, type="care-provider",
                                      ownership={"kind": "private", "care_agreement": "kundavtal-inera"}))
            return {"SOB109": 1}

        def e301(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "V")
            source = fresh("units")
            unit_file(uid, plain_unit(uid, parent=self.units[source]["parent"],
                                      programs=[dict(self.units[source]["programs"][0])]))
            return {"SOB301": 1}

        def e204(k: int) -> dict[str, int]:
            uid = new_unit_id(k, "W")
            unit_file(uid, plain_unit(uid, status="active", status_history=[
                {"status": "active", "date": dt.date(2024, 1, 1), "by": admin}]))
            return {"SOB204": 1}

        def e102(k: int) -> dict[str, int]:
            uid = fresh("units")
            self.units[uid]["programs"].append({**self.units[uid]["programs"][0], "program": f"finns-inte-{k}"})
            return {"SOB102": 1}

        def e308(k: int) -> dict[str, int]:
            uid = fresh("units")
            self.units[uid]["programs"].append(dict(self.units[uid]["programs"][0]))
            return {"SOB308": 1}

        def e303(k: int) -> dict[str, int]:
            uid = fresh("units")
            self.units[uid]["programs"][0]["approved_by"] = admin
            return {"SOB303": 1}

        def e309(k: int) -> dict[str, int]:
            uid = fresh("units")
            self.units[uid]["programs"][0]["major"] += 1
            return {"SOB309": 1}

        def e304(k: int) -> dict[str, int]:
            for _ in range(len(pools["units"])):
                uid = fresh("units")
                if self.units[uid]["programs"][0]["major"] > 1:
                    self.units[uid]["programs"][0]["major"] -= 1
                    return {"SOB304": 1}
            return {}

        def e302(k: int) -> dict[str, int]:
            if not drafts:
                return {}
            uid = fresh("units")
            self.units[uid]["programs"][0] = {**self.units[uid]["programs"][0], "program": drafts[k % len(drafts)],
                                              "major": 0}
            return {"SOB302": 1}

        def e305(k: int) -> dict[str, int]:
            for _ in range(len(pools["privates"])):
                uid = fresh("privates")
                provider = self.units[uid]["parent"]
                areas = set(self.agreements[self.units[provider]["ownership"]["care_agreement"]]["covers"]["areas"])
                used = {a["program"] for a in self.units[uid]["programs"]}
                for pid, major, area in self.runnable:
                    if area not in areas and pid not in used:
                        self.units[uid]["programs"].append(
                            {**self.units[uid]["programs"][0], "program": pid, "major": major})
                        return {"SOB305": 1}
            return {}

        def e104(k: int) -> dict[str, int]:
            pid = fresh("people")
            self.grant(pid, "behandlare", f"SE{org}-NOUNIT{k}", admin)
            return {"SOB104": 1}

        def e107(k: int) -> dict[str, int]:
            pid = fresh("people")
            self.grant(pid, "designer", fresh("units"), admin)
            return {"SOB107": 1}

        def e205(k: int) -> dict[str, int]:
            pid = fresh("people")
            self.people[pid]["grants"].append({"role": "behandlare", "scope": fresh("units"), "granted_by": pid,
                                               "granted_at": dt.date(2024, 5, 1)})
            return {"SOB205": 1}

        def e207(k: int) -> dict[str, int]:
            first, second = fresh("people"), fresh("people")
            self.people[second]["emails"].append(self.people[first]["emails"][0])
            return {"SOB207": 1}

        def e203(k: int) -> dict[str, int]:
            self.grant(fresh("people"), "kontaktperson", root, admin)
            return {"SOB203": 1}

        def e404(k: int) -> dict[str, int]:
            self.agreement(f"felaktigt-datum-{k}", "content-provider", "Fel datum", "Förlaget Fel AB",
                           orgnr("556999999"), valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2025, 1, 1))
            return {"SOB404": 1}

        def e402(k: int) -> dict[str, int]:
            self.agreement(f"snart-slut-{k}", "content-provider", "Snart slut", "Förlaget Snart AB",
                           orgnr("556999998"), valid_to=self.as_of + dt.timedelta(days=30))
            return {"SOB402": 1}

        def e403(k: int) -> dict[str, int]:
            self.agreement(f"ej-granskat-{k}", "content-provider", "Ej granskat", "Förlaget Gammal AB",
                           orgnr("556999997"), last_review=self.as_of - dt.timedelta(days=800))
            return {"SOB403": 1}

        def e401(k: int) -> dict[str, int]:
            aid = f"upphort-{k}"
            self.agreement(aid, "content-provider", "Upphört", "Förlaget Slut AB", orgnr("556999996"),
                           valid_to=dt.date(2025, 6, 30))
            # a program no unit runs: one finding (each unit running it would report one more)
            self.programs[fresh("own_unrun")]["producer"] = {"kind": "external", "agreement": aid}
            return {"SOB401": 1}

        def e501(k: int) -> dict[str, int]:
            self.programs[fresh("published")]["contributors"].append({"name": "Okänd Fotograf",
                                                                      "role": "photographer"})
            return {"SOB501": 1}

        def e503(k: int) -> dict[str, int]:
            self.programs[fresh("published")].setdefault("assets", []).append(
                {"name": "Ljudfil", "licence": "NOT-A-LICENCE"})
            return {"SOB503": 1}

        def e504(k: int) -> dict[str, int]:
            del self.programs[fresh("published")]["risk_analysis"]
            return {"SOB504": 1}

        def e505(k: int) -> dict[str, int]:
            self.programs[fresh("published")]["responsible_publisher"] = admin
            return {"SOB505": 1}

        def e601(k: int) -> dict[str, int]:
            self.programs[fresh("published")]["history"][-1]["approvals"][0]["fingerprint"] = "sha256:" + "0" * 64
            return {"SOB601": 1}

        def e602(k: int) -> dict[str, int]:
            self.programs[fresh("published")]["title"] += " (ändrad)"
            return {"SOB602": 1}

        def e603(k: int) -> dict[str, int]:
            program = self.programs[fresh("published")]
            major, minor = program["version"].split(".")
            program["version"] = f"{major}.{int(minor) + 50}"
            return {"SOB603": 1}

        def e604(k: int) -> dict[str, int]:
            self.programs[fresh("published")]["history"][-1]["approvals"] = []
            return {"SOB604": 1}

        def e605(k: int) -> dict[str, int]:
            entry = self.programs[fresh("treatment")]["history"][-1]
            entry["approvals"] = [a for a in entry["approvals"] if a["role"] == "utgivare"]
            return {"SOB605": 1}

        once = {"SOB005", "SOB203", "SOB007"}
        table: list[tuple[str, Callable[[int], dict[str, int]]]] = [
            ("SOB001", e001), ("SOB002", e002), ("SOB003", e003), ("SOB004", e004), ("SOB005", e005),
            ("SOB006", e006), ("SOB007", e007), ("SOB008", e008), ("SOB009", e009), ("SOB010", e010),
            ("SOB011", e011), ("SOB012", e012), ("SOB101", e101), ("SOB102", e102), ("SOB103", e103),
            ("SOB104", e104), ("SOB106", e106), ("SOB107", e107), ("SOB108", e108), ("SOB109", e109),
            ("SOB203", e203), ("SOB204", e204), ("SOB205", e205), ("SOB207", e207), ("SOB301", e301),
            ("SOB302", e302), ("SOB303", e303), ("SOB304", e304), ("SOB305", e305), ("SOB306", e306),
            ("SOB307", e307), ("SOB308", e308), ("SOB309", e309), ("SOB401", e401), ("SOB402", e402),
            ("SOB403", e403), ("SOB404", e404), ("SOB501", e501), ("SOB503", e503), ("SOB504", e504),
            ("SOB505", e505), ("SOB601", e601), ("SOB602", e602), ("SOB603", e603), ("SOB604", e604),
            ("SOB605", e605),
        ]
        return [(name, name in once, function) for name, function in table]

    # --- output -------------------------------------------------------------------------------

    def files(self) -> dict[str, bytes]:
        config = (
            "# yaml-language-server: $schema=schemas/config.schema.json\n"
            "# A synthetic national repository generated by benchmarks/generate.py.\n"
            "care_provider:\n"
            "  name: Nationell samverkan Stöd och behandling\n"
            f"  hsa_id: {self.root}\n"
            f'  org_number: "{region_org(1)[:6]}-{region_org(1)[6:]}"\n'
        )
        files: dict[str, bytes] = {"sobctl.yaml": config.encode()}
        for folder, kind, documents in (("units", "unit", self.units), ("roles", "person", self.people),
                                        ("catalogue", "program", self.programs),
                                        ("agreements", "agreement", self.agreements)):
            for ident, document in documents.items():
                if kind == "person" and not document["grants"]:
                    document = {k: v for k, v in document.items() if k != "grants"}
                files[f"{folder}/{ident}.yaml"] = render(kind, document).encode()
        files.update(self.extra_files)
        return files


def write_repository(out: Path, files: dict[str, bytes], symlinks: dict[str, str]) -> None:
    """Write every file, export the schemas, and commit it all as one commit."""
    from sobctl.repo.schemas import render_schemas

    out.mkdir(parents=True, exist_ok=True)
    for folder in ("units", "roles", "catalogue", "agreements", "schemas"):
        (out / folder).mkdir(exist_ok=True)
    for name, data in render_schemas().items():
        files[f"schemas/{name}"] = data
    for relpath, data in files.items():
        with open(out / relpath, "wb") as handle:
            handle.write(data)
    for relpath, target in symlinks.items():
        os.symlink(target, out / relpath)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Generator", "GIT_AUTHOR_EMAIL": "generator@example.invalid",
           "GIT_COMMITTER_NAME": "Generator", "GIT_COMMITTER_EMAIL": "generator@example.invalid",
           "GIT_AUTHOR_DATE": "2026-11-23T10:00:00+01:00", "GIT_COMMITTER_DATE": "2026-11-23T10:00:00+01:00"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(out), *args], check=True, env=env, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Generator")
    git("config", "user.email", "generator@example.invalid")
    git("config", "commit.gpgsign", "false")
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "Synthetic national repository")


def generate(out: Path, *, seed: int = 1, units: int = 30_000, programs: int = 1_000, people: int = 10_000,
             activations: int = 150_000, errors: int = 0, as_of: dt.date = AS_OF) -> dict[str, int]:
    """Write the repository to ``out`` (must not exist or be empty); return the expected diagnostics."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"generate: {out} exists and is not empty")
    nation = Nation(seed, units, programs, people, activations, as_of).build()
    if errors:
        nation.inject(errors)
    files = nation.files()
    expected = dict(sorted(nation.expected.items()))
    summary = {"as_of": as_of.isoformat(), "seed": seed, "units": len(nation.units), "programs": len(nation.programs),
               "people": len(nation.people), "agreements": len(nation.agreements),
               "activations": sum(len(u.get("programs", ())) for u in nation.units.values()),
               "expected": expected}
    files["expected-diagnostics.json"] = (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode()
    write_repository(out, files, nation.symlinks)
    return summary  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--units", type=int, default=30_000)
    parser.add_argument("--programs", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--activations", type=int, default=150_000)
    parser.add_argument("--errors", type=int, default=0, help="add this many findings of every kind")
    parser.add_argument("--as-of", default=AS_OF.isoformat(), help="the day the repository is valid on")
    args = parser.parse_args(argv)
    summary = generate(args.out, seed=args.seed, units=args.units, programs=args.programs, people=args.people,
                       activations=args.activations, errors=args.errors, as_of=dt.date.fromisoformat(args.as_of))
    sys.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
