"""``exportLink``: a short-lived download link of an export, or the problem the query the
export mirrors answers for the same arguments (see ``links.py`` for why a link)."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.exports.catalogue import EXPORTS, ExportKind
from gongzhi.graphql.exports.links import file_name, sign_link
from gongzhi.graphql.exports.running import open_export
from gongzhi.graphql.exports.signed import ExportLink
from gongzhi.graphql.exports.writers import ExportFormat
from gongzhi.graphql.reading import lookup

strawberry.enum(
    ExportKind,
    description="导出: 物业费台账, 欠费清单, 对账单, 表决结果, 维修资金台账, 公共收益台账, "
    "公共收益分配, 区县小区统计, 信用排名, 健康指数排名, 业主名册, 无物业小区, 尚无业委会的小区, "
    "强社惠民公司, 健康指数各项得分, 信用评价加减分明细, 信用评价分项, "
    "信用评价异议, 信用记录, 业主共同决定, 公共收益公示情况, 物业服务合同, "
    "公示清单, 报事报修, 账期账单, 催缴通知, 巡检到期",
)
strawberry.enum(ExportFormat, description="CSV (UTF-8 with a byte-order mark) or XLSX")


@strawberry.input(
    description="The arguments of the query the export mirrors (each export takes those of "
    "its query: communityId for ledgers and arrears, unitId for a statement, decisionId for "
    "a tally, district and period for rankings, district and year for community companies, "
    "companyId and period for a credit evaluation, communityId and round for a round's "
    "reminders); ids are checked by that query"
)
class ExportArguments:
    community_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = None
    company_id: strawberry.ID | None = None
    decision_id: strawberry.ID | None = None
    district: str | None = None
    period: str | None = None
    round: str | None = None
    as_of: datetime.date | None = None
    year: int | None = None

    def given(self) -> dict[str, str | int | None]:
        values = {
            "communityId": self.community_id,
            "unitId": self.unit_id,
            "companyId": self.company_id,
            "decisionId": self.decision_id,
            "district": self.district,
            "period": self.period,
            "round": self.round,
            "asOf": self.as_of,
            "year": self.year,
        }
        # As a client would send them: the mirrored query reads its variables from JSON.
        return {
            name: value if value is None or isinstance(value, int) else str(value)
            for name, value in values.items()
        }


ExportLinkResult = Annotated[
    ExportLink | ValidationError | NotFound | Forbidden, strawberry.union("ExportLinkResult")
]


@strawberry.type
class ExportQueries:
    @strawberry.field(
        description="导出: a link to download an export as CSV or XLSX (Chinese headers). "
        "An export holds the rows of the query it mirrors, with that query's access rules "
        "and masking; refused as that query refuses"
    )
    @lookup
    async def export_link(
        self,
        info: Info[Context, None],
        kind: ExportKind,
        format: ExportFormat,
        arguments: ExportArguments,
    ) -> ExportLinkResult:
        context, export = info.context, EXPORTS[kind]
        opened = await open_export(context, export, arguments.given(), info.schema)
        url, expires = sign_link(
            context.services.link_secret, context.principal, kind, format, opened.variables
        )
        return ExportLink(
            url=url,
            expires_at=expires,
            file_name=file_name(export.title, format),
            rows=opened.total,
        )
