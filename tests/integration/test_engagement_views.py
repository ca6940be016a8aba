"""The engagement views (complaints, disputes, surveys, points, rewards) are deterministic:
projected one event at a time or in large batches, the rows are the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta
from gongzhi.application.complaints import (
    AcceptComplaint,
    CloseComplaint,
    FileComplaint,
    ReplyToComplaint,
)
from gongzhi.application.disputes import CloseDispute, DisputeParty, OpenDispute, RecordMediation
from gongzhi.application.points import AddReward, AwardPoints, RedeemReward, RestockReward
from gongzhi.application.surveys import AnswerSurvey, CreateSurvey, SurveyAnswer, SurveyQuestion
from gongzhi.bootstrap import Platform
from gongzhi.demo import load_demo
from gongzhi.domain.community import Community
from gongzhi.domain.complaint import ComplaintCategory, ComplaintChannel, ComplaintOutcome
from gongzhi.domain.dispute import DisputeOutcome, PartyKind
from gongzhi.domain.points import PointsRule
from gongzhi.domain.survey import QuestionKind
from gongzhi.projections.engagement import ENGAGEMENT_TABLES
from gongzhi.projections.participation import PARTICIPATION_TABLES
from tests.integration.test_projection_runner import dump_views

META = Meta(actor="tester", reason="integration test", actor_role="PLATFORM_ADMIN")
NOW = datetime.now(UTC)
NAMES = {t.name for t in (*ENGAGEMENT_TABLES, *PARTICIPATION_TABLES)}


def served_community(app: Gongzhi, communities: list[UUID]) -> Community:
    for community_id in communities:
        community = app.community(community_id)
        period = community.mode_on(NOW.date())
        if period is not None and period.company_id is not None and community.unit_index:
            return community
    raise AssertionError("the demo has a served community with units")


def engage(app: Gongzhi, community: Community) -> None:
    """A little of everything, with repeated updates of the same rows."""
    units = list(community.unit_index)[:3]
    for n in range(3):
        done = app.file_complaint(
            META,
            FileComplaint(
                community_id=community.id,
                unit_id=units[0],
                category=ComplaintCategory.REPAIRS,
                channel=ComplaintChannel.RESIDENT,
                description=f"报修{n}",
                filed_at=NOW - timedelta(hours=5 - n),
            ),
        )
        app.accept_complaint(
            META, AcceptComplaint(complaint_id=done.id, accepted_at=NOW - timedelta(hours=1))
        )
        app.reply_to_complaint(
            META,
            ReplyToComplaint(
                complaint_id=done.id, reply="已修", replied_at=NOW - timedelta(minutes=30)
            ),
        )
        app.close_complaint(
            META,
            CloseComplaint(
                complaint_id=done.id,
                outcome=ComplaintOutcome.SUBSTANTIATED,
                satisfaction=4,
                closed_at=NOW,
            ),
        )
    dispute = app.open_dispute(
        META,
        OpenDispute(
            community_id=community.id,
            subject="漏水",
            parties=[DisputeParty("甲", PartyKind.OWNER), DisputeParty("乙", PartyKind.OWNER)],
            opened_on=date(2026, 3, 1),
        ),
    ).id
    for day in (2, 3):
        app.record_mediation(
            META,
            RecordMediation(
                dispute_id=dispute,
                held_on=date(2026, 3, day),
                mediator="王",
                attendees=["甲", "乙"],
            ),
        )
    app.close_dispute(
        META,
        CloseDispute(
            dispute_id=dispute,
            outcome=DisputeOutcome.AGREEMENT,
            terms="维修",
            closed_on=date(2026, 3, 4),
        ),
    )
    survey = app.create_survey(
        META,
        CreateSurvey(
            title="满意度",
            community_ids=[community.id],
            company_id=None,
            questions=[SurveyQuestion("总体", QuestionKind.RATING)],
            opens_at=NOW - timedelta(days=1),
            closes_at=NOW + timedelta(days=1),
        ),
    ).id
    for i, unit in enumerate(units):
        app.answer_survey(
            META,
            AnswerSurvey(survey_id=survey, unit_id=unit, answers=[SurveyAnswer(0, rating=1 + i)]),
        )
    for hour in range(4):
        app.award_points(
            META,
            AwardPoints(
                community_id=community.id,
                unit_id=units[0],
                rule=PointsRule.VOLUNTEERED,
                source_ref=f"v{hour}",
            ),
        )
    reward = app.add_reward(
        META, AddReward(community_id=community.id, name="米", price_points=5, stock=9)
    ).id
    app.restock_reward(META, RestockReward(reward_id=reward, quantity=2))
    for _ in range(3):
        app.redeem_reward(META, RedeemReward(reward_id=reward, unit_id=units[0]))


def test_engagement_views_do_not_depend_on_the_batch_size(platform: Platform) -> None:
    # Given a demo district and engagement in one served community, projected one by one
    summary = load_demo(platform.app, communities=3, seed=7)
    engage(platform.app, served_community(platform.app, summary.communities))
    platform.projection_runner(batch_size=1).catch_up()
    expected = {k: v for k, v in dump_views(platform.engine).items() if k in NAMES}
    assert (
        len(expected["complaints"]) == 3 and len(expected["points_ledger"]) == 3 + 4 + 3
    )  # answers, hours, spends
    # When the log is rebuilt in batches of 1,000
    platform.projection_runner(batch_size=1000).rebuild()
    # Then the rows are identical
    assert {k: v for k, v in dump_views(platform.engine).items() if k in NAMES} == expected
