"""The dashboard: what needs attention in the organization, each number linked to its source."""

from flask import render_template

from lms import tenancy
from lms.charts import drawings
from lms.charts.cache import chart_response
from lms.dashboard import bp, queries
from lms.permissions import MEMBER, allow

# Drawn (and described) by matplotlib, imported on first use: see lms.charts.deferred.
draw_waste_pareto = drawings("lms.charts.pareto", "pareto_figure")


@bp.get("/")
@allow(MEMBER)
def index():
    organization = tenancy.actor().organization
    return render_template("dashboard/index.html", organization=organization,
                           data=queries.dashboard(organization))


@bp.get("/dashboard/waste-pareto.svg", defaults={"fmt": "svg"})
@bp.get("/dashboard/waste-pareto.png", defaults={"fmt": "png"})
@allow(MEMBER)
def waste_pareto(fmt: str):
    organization = tenancy.actor().organization
    data = queries.dashboard(organization)
    spec = {"title": f"Waste time by type, all current value streams of {organization.name}",
            "waste_time_by_type": data.waste_time_by_type}
    return chart_response("waste-pareto", spec, draw_waste_pareto[fmt], suffix=fmt)
