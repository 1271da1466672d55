"""The file ``rq cron`` loads: ``rq cron config/rq_cron.py --url $REDIS_URL``."""

from config.schedule import register_with_rq

register_with_rq()
