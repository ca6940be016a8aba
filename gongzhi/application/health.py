"""健康指数 commands: record a community's assessment (the worker gathers the inputs and
calls ``assess_community_health``), and request a district's run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from uuid import UUID

from gongzhi.application.base import (
    Changed,
    Done,
    GongzhiBase,
    Meta,
    NotFound,
    business_today,
)
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import Doc, Text
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.health import (
    HealthAssessment,
    HealthInputs,
    HealthRun,
    assess_health,
    half_year,
    health_config,
)
from gongzhi.domain.values import required_text


@dataclass(frozen=True)
class RequestHealthRun(Command):
    """Assess every community of a district for a half-year now: queues one job per
    community"""

    district: Annotated[str, Text(100)]
    period: Annotated[str, Text(20), Doc("A half-year like 2026H1")]
    config: (
        Annotated[str, Text(100), Doc("name or name/version; the latest default weighting if none")]
        | None
    ) = None


class HealthService(GongzhiBase):
    def assess_community_health(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        district: str,
        period: str,
        config: str | None,
        inputs: HealthInputs,
        as_of: date,
    ) -> Done | None:
        """Record the community's assessment; ``None`` when nothing new is recorded (the same
        result as before). Idempotent per (community, period, configuration version).

        The worker read the community and its ``district`` from the views with the inputs."""
        weights = health_config(config)
        parsed = half_year(period)
        result = assess_health(weights, inputs)
        assessment_id = HealthAssessment.id_for(community_id, parsed, weights)

        def attempt() -> Changed | None:
            try:
                assessment = self.load(HealthAssessment, assessment_id, "assessmentId")
            except NotFound:
                assessment = HealthAssessment.assess(
                    community_id=community_id,
                    district=district,
                    period=parsed,
                    config=weights,
                    as_of=as_of,
                    result=result,
                )
            else:
                if not assessment.reassess(as_of, result):
                    return None
            return Changed((assessment,))

        # A lost race is another delivery of the same job: the retry compares with its result.
        return self.retrying(meta, attempt, what="the health assessment")

    def health_assessment(self, assessment_id: UUID) -> HealthAssessment:
        return self.load(HealthAssessment, assessment_id, "assessmentId")

    @handles(RequestHealthRun)
    def request_health_run(self, meta: Meta, command: RequestHealthRun) -> Done:
        """Ask for every community of the district to be assessed for the half-year: the
        request's projection queues the worker's fan-out job."""
        name = required_text("district", command.district, max_length=100)
        parsed = half_year(command.period)
        if parsed.start > business_today():
            raise InvalidValue("period", "has not started yet")
        weights = health_config(command.config)

        def build() -> tuple[list[HealthRun], None]:
            try:
                run = self.load(HealthRun, HealthRun.id_for(name, parsed), "district")
            except NotFound:
                run = HealthRun.open(name, parsed)
            run.request(weights)
            return [run], None

        return self.save_together(meta, build, "the health run")
