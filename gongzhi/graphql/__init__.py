"""The GraphQL API.

The domain enums the API shows are registered with strawberry in place
(``gongzhi.graphql.enums``): importing this package registers them first, so no module of the
API (or a benchmark importing one query module alone) can build a type on an enum not yet
registered, which strawberry would then see as a second enum of the same name.
"""

from gongzhi.graphql import enums as _registered_enums  # noqa: F401  (registration on import)
