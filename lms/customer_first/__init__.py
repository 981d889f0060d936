"""Customer First across teams: the sub-optimization radar of internal customers and the stop-doing list."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("customer_first", __name__, views=("views",))
