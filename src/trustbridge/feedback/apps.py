from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "trustbridge.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from trustbridge.core import configuration
        from trustbridge.feedback.models import Category, FeedbackSettings, Holiday

        configuration.watch(Category)
        configuration.watch(Holiday)
        configuration.watch(
            FeedbackSettings,
            ignore=frozenset({"rollup_until", "rollup_judged_at", "rollup_signature"}),
        )
