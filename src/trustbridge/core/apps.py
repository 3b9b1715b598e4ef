from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "trustbridge.core"
    label = "core"
    verbose_name = _("Organisations and areas")

    def ready(self) -> None:
        from trustbridge.core import configuration
        from trustbridge.core.models import Area

        configuration.watch(Area)
