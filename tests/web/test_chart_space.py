"""Every chart a page shows keeps its space while it is drawn: its <img> carries the size the chart comes at.

The charts are drawn on request, often after the page has been read; a picture without a size would
push what is under it down when it arrives, and a click aimed there would land elsewhere.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.extensions import db
from lms.models import Customer, Kpi, Organization, ValueStream
from lms.seed import DEMO_PASSWORD, seed_demo
from tests.pictures import png_size, svg_size

IMG = re.compile(r"<img\b[^>]*>")


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found.group(1).replace("&amp;", "&") if found else None


def test_every_chart_of_the_demo_pages_carries_the_size_it_is_drawn_at(app, client):
    with app.app_context():
        admin = seed_demo().emails[0]
        org = db.session.scalar(select(Organization.id).execution_options(all_organizations=True))
        first = {model: db.session.scalar(select(model.id).where(model.organization_id == org)
                                          .order_by(model.id).execution_options(all_organizations=True))
                 for model in (ValueStream, Kpi, Customer)}
    assert client.post("/login", data={"email": admin, "password": DEMO_PASSWORD}).status_code == 302
    pages = ["/", f"/value-streams/{first[ValueStream]}", f"/kpis/{first[Kpi]}", f"/customers/{first[Customer]}",
             f"/reviews/stream/{first[ValueStream]}", f"/value-streams/{first[ValueStream]}/flow"]
    checked = []
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        for tag in IMG.findall(html):
            src = _attribute(tag, "src")
            if src is None or src.startswith("/static/"):  # the logo and icons are not drawn on request
                continue
            width, height = _attribute(tag, "width"), _attribute(tag, "height")
            assert width and height, f"{path}: {tag}"
            address, _, query = src.partition("?")
            assert address.endswith(".svg"), f"{path}: {src}"  # every page shows its charts as SVG
            assert svg_size(client.get(src).data) == (int(width), int(height)), f"{path}: {src}"
            # The PNG to download is the same drawing at twice the pixels.
            png = client.get(address.removesuffix(".svg") + ".png" + ("?" + query if query else "")).data
            assert png_size(png) == (2 * int(width), 2 * int(height)), f"{path}: {src}"
            checked.append(src)
    # The dashboard's Pareto, the stream's map, takt chart and Pareto, the KPI's trend, the customer's
    # landscape, the stream's review trend, its three measured-flow charts (and the job stacks' landscapes).
    assert len(checked) >= 11, checked
