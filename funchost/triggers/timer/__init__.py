"""The timer trigger: `listener` (the schedule loop), `ncrontab` (NCRONTAB / cron / TimeSpan schedules),
`schedule_monitor` (the past-due status in storage), `singleton` (the blob lease that makes one instance fire)."""
