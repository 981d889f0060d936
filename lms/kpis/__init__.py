"""KPIs tied to customer outcomes: measurements, links and metric drift."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("kpis", __name__, url_prefix="/kpis", views=("views",))
