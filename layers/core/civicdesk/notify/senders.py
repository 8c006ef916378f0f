"""The providers a message goes out through: SES v2 for e-mail, SMS through SNS or AWS End User
Messaging SMS, WhatsApp through the Cloud API client. Each returns the provider's message id.

Provider errors are not caught here: the notifier lets them fail the queue record, which SQS then
retries with backoff and, after the last attempt, moves to the dead-letter queue.
"""

from __future__ import annotations

from typing import Protocol

from civicdesk.core.aws import AwsClient, AwsGateway


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str: ...


class EmailSender(AwsGateway):
    """SES v2 `SendEmail` from the verified sending identity, plain text (the profile's words)."""

    service = "sesv2"

    def __init__(
        self, sender: str, configuration_set: str | None = None, client: AwsClient | None = None
    ) -> None:
        super().__init__(client)
        self.sender = sender
        self.configuration_set = configuration_set

    def send(self, to: str, subject: str, text: str) -> str:
        params = {
            "FromEmailAddress": self.sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        }
        if self.configuration_set:
            params["ConfigurationSetName"] = self.configuration_set
        return str(self.client.send_email(**params)["MessageId"])


class SnsSms(AwsGateway):
    """SMS through SNS `Publish` to a number, as a transactional message with our sender id."""

    service = "sns"

    def __init__(self, sender_id: str | None = None, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.sender_id = sender_id

    def send(self, phone: str, text: str) -> str:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        answer = self.client.publish(PhoneNumber=phone, Message=text, MessageAttributes=attributes)
        return str(answer["MessageId"])


class EndUserMessagingSms(AwsGateway):
    """SMS through AWS End User Messaging SMS (`pinpoint-sms-voice-v2`) from a registered origination
    identity (a sender id or number, as the destination country requires)."""

    service = "pinpoint-sms-voice-v2"

    def __init__(
        self, origination_identity: str, configuration_set: str | None = None, client: AwsClient | None = None
    ) -> None:
        super().__init__(client)
        self.origination_identity = origination_identity
        self.configuration_set = configuration_set

    def send(self, phone: str, text: str) -> str:
        params = {
            "DestinationPhoneNumber": phone,
            "OriginationIdentity": self.origination_identity,
            "MessageBody": text,
            "MessageType": "TRANSACTIONAL",
        }
        if self.configuration_set:
            params["ConfigurationSetName"] = self.configuration_set
        return str(self.client.send_text_message(**params)["MessageId"])
