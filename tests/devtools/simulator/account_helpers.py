"""Calling the simulator's account API, and comparing its XML with Bandwidth's examples (numbers.yml)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import requests

from tests.devtools.simulator.conftest import ACCOUNT

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "bandwidth" / "dashboard"
SITE_ID, PEER_ID = "1001", "5001"
PEER_NUMBERS = ["+19195550100", "+19195550101"]


def element_paths(root: ET.Element) -> set[str]:
    """Every element's path from the root: {"SitesResponse", "SitesResponse/Sites", ...}."""
    found = set()

    def walk(node: ET.Element, prefix: str) -> None:
        path = f"{prefix}/{node.tag}" if prefix else node.tag
        found.add(path)
        for child in node:
            if isinstance(child.tag, str):
                walk(child, path)

    walk(root, "")
    return found


def assert_shaped_like(answer: requests.Response, example: str, *, required: set[str] = frozenset()) -> ET.Element:
    """The answer is XML whose element paths all appear in Bandwidth's example `example` (and include
    `required`, paths relative to the root); returns the parsed root."""
    assert answer.headers["Content-Type"].startswith("application/xml"), answer.text
    assert answer.text.startswith('<?xml version="1.0" encoding="UTF-8"')
    root = ET.fromstring(answer.content)
    expected = element_paths(ET.fromstring((EXAMPLES / f"{example}.xml").read_bytes()))
    ours = element_paths(root)
    assert ours <= expected, sorted(ours - expected)
    missing = {f"{root.tag}/{path}" for path in required} - ours
    assert not missing, sorted(missing)
    return root


def error_of(answer: requests.Response) -> tuple[str, str, str]:
    """(root tag, ErrorCode, Description) of an XML error answer."""
    root = ET.fromstring(answer.content)
    return root.tag, root.findtext("ResponseStatus/ErrorCode"), root.findtext("ResponseStatus/Description")


def application_xml(**fields: str | dict[str, str] | list[str]) -> bytes:
    """<Application> with the given children: text, {"UserId", "Password"} creds or a list of CallbackType."""
    root = ET.Element("Application")
    for tag, value in fields.items():
        child = ET.SubElement(root, tag)
        if isinstance(value, dict):
            for name, text in value.items():
                ET.SubElement(child, name).text = text
        elif isinstance(value, list):
            for text in value:
                ET.SubElement(child, "CallbackType").text = text
        else:
            child.text = value
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class Dashboard:
    """requests against /api/accounts/{account}... with a bearer token (or other headers)."""

    def __init__(self, simulator, session: requests.Session, token: str, account: str = ACCOUNT) -> None:
        self.base = f"{simulator.base_url}/api/accounts/{account}"
        self.session, self.token = session, token

    def __call__(self, method: str, path: str, body: bytes | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/xml",
                   **kwargs.pop("headers", {})}
        return self.session.request(method, self.base + path, data=body, headers=headers, **kwargs)


def seed_locations(simulator, application_id: str | None = None) -> None:
    simulator.set_locations(ACCOUNT, {"sites": [{"id": SITE_ID, "name": "Main", "sipPeers": [
        {"id": PEER_ID, "name": "PBX", "numbers": PEER_NUMBERS, "applicationId": application_id}]}]})
