"""Demo scenarios (fictional, like the demo's offers), run once so that their results show at once."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from maillage.matching.allocation import ecosystem_instance

from . import services
from .models import Scenario


def demo_scenarios_load(*, progress: Callable[[str], None] = lambda _m: None, time_limit: int = 5) -> int:
    """The ecosystem as it is, a pooled fund with lighter reporting, and an equity guarantee: three
    scenarios of the stewards, shared, each run once. Returns how many runs succeeded."""
    with transaction.atomic():
        Scenario.objects.filter(is_demo=True).delete()
    instance = ecosystem_instance()
    if not instance.initiatives or not instance.offers:
        return 0
    demo_offers = [o for o in instance.offers if o.extra.get("demo")]
    # The three broadest offers (most initiatives accepted), pooled; the heaviest reporting halved.
    broad = sorted(demo_offers, key=lambda o: (-len(o.eligible), o.id))[:3]
    heavy = sorted(demo_offers, key=lambda o: (-o.burden_hours, o.id))[:5]
    pool_ids = {o.id for o in broad}
    scenarios = [
        services.scenario_create(
            user=None,
            organisation=None,
            title="Écosystème actuel (démo)",
            description="L'écosystème fictif de la démo tel qu'il est : aucun changement. "
            "Sert de point de comparaison.",
            time_limit=time_limit,
            is_shared=True,
            is_demo=True,
        ),
        services.scenario_create(
            user=None,
            organisation=None,
            title="Fonds commun et reddition allégée (démo)",
            description="Et si trois offres fictives mettaient leurs places en commun, et si les redditions "
            "de comptes les plus lourdes étaient réduites de moitié ?",
            time_limit=time_limit,
            is_shared=True,
            is_demo=True,
            changes={
                "format": "maillage-scenario/1",
                "pool": [{"id": "scenario-fonds-commun", "name": "Fonds commun (démo)", "offers": sorted(pool_ids)}],
                "burden_hours": {
                    o.id: int(o.burden_hours // 2) for o in heavy if o.id not in pool_ids and o.burden_hours >= 2
                },
            },
        ),
        services.scenario_create(
            user=None,
            organisation=None,
            title="Au moins 40 % du besoin de chaque territoire (démo)",
            description="Les mêmes offres, avec une garantie d'équité : chaque territoire voit au moins 40 % "
            "de son besoin pondéré couvert, quand c'est possible. Combien coûte cette garantie ?",
            time_limit=time_limit,
            equity_share=0.4,
            is_shared=True,
            is_demo=True,
        ),
    ]
    done = 0
    for scenario in scenarios:
        run = services.run_create(user=None, scenario=scenario)
        finished = services.run_execute(run.pk)
        if finished is not None and finished.status == finished.Status.SUCCEEDED:
            done += 1
            progress(f"scenario « {scenario.title} »: gap {finished.summary['gap']:.2%}")
    return done
