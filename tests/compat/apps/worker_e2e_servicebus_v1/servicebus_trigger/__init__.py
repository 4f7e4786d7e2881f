import json

import azure.functions as azf


def main(msg: azf.ServiceBusMessage) -> str:
    def iso(moment):
        return moment.isoformat() if moment else None

    return json.dumps({
        'message_id': msg.message_id,
        'body': msg.get_body().decode('utf-8'),
        'content_type': msg.content_type,
        'delivery_count': msg.delivery_count,
        'expiration_time': iso(msg.expiration_time),
        'enqueued_time_utc': iso(msg.enqueued_time_utc),
        'label': msg.label,
        'partition_key': msg.partition_key,
        'reply_to': msg.reply_to,
        'scheduled_enqueue_time': iso(msg.scheduled_enqueue_time),
        'session_id': msg.session_id,
        'time_to_live': str(msg.time_to_live) if msg.time_to_live else None,
        'to': msg.to,
        'user_properties': msg.user_properties,
        'application_properties': msg.application_properties,
    })
