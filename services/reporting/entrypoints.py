"""Entrypoints reporting needs and no other service does (so they live here, not in shared/):

- `handle_event(type, mode=...)` and `handle_event_batch(type, mode=...)`: the platform's validated,
  dead-lettering event consumers (one event per worker, or a batch per worker and transaction), active
  only in one configuration. An association's reporting (`HEAD_OFFICE: false`) consumes activity events;
  head office's (`HEAD_OFFICE: true`) consumes `reporting.period_closed`. An inactive handler never
  registers with the broker, so no queue of it exists to fill up: an association does not swallow its own
  period_closed, and head office keeps no queue for the activity that travels up for franchise.
- `timer(config_key, default)`: nameko's timer, its interval read from the configuration at start."""
from nameko.timer import Timer

from shared.consumer import EventBatchConsumer, EventConsumer

ASSOCIATION, HEAD_OFFICE = "association", "head_office"


def head_office(config):
    return bool(config.get("HEAD_OFFICE"))


class _Modal:
    """Mixed into a consumer: it exists on the broker only in its mode."""

    def __init__(self, event_type, mode=ASSOCIATION, **kwargs):
        if mode not in (ASSOCIATION, HEAD_OFFICE):
            raise ValueError(f"mode must be {ASSOCIATION} or {HEAD_OFFICE}")
        self.mode = mode
        super().__init__(event_type, **kwargs)

    def setup(self):
        self.active = head_office(self.container.config) == (self.mode == HEAD_OFFICE)
        if self.active:
            super().setup()

    def start(self):
        if self.active:
            super().start()

    def stop(self):
        if self.active:
            super().stop()

    def kill(self):
        if self.active:
            super().kill()


class ModalEventConsumer(_Modal, EventConsumer):
    pass


class ModalEventBatchConsumer(_Modal, EventBatchConsumer):
    pass


class ConfiguredTimer(Timer):
    def __init__(self, config_key, default, **kwargs):
        self.config_key, self.default = config_key, default
        super().__init__(interval=default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.config_key, self.default))
        super().setup()


handle_event = ModalEventConsumer.decorator
handle_event_batch = ModalEventBatchConsumer.decorator
timer = ConfiguredTimer.decorator
