from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "trustbridge.demo"
    label = "demo"
    verbose_name = "Demo town"
