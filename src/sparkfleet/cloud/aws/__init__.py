"""The AWS adapter of the Cloud port (boto3; install the `aws` extra): EC2 through CreateFleet, launch
templates from EC2NodeClasses, interruption messages from SQS, prices from the Pricing API."""

from sparkfleet.cloud.aws.clients import AwsApiError, AwsCredentialsError
from sparkfleet.cloud.aws.ec2 import AwsEC2, NodeClassLookup
from sparkfleet.cloud.aws.interruption import Notice, parse_message

__all__ = ["AwsApiError", "AwsCredentialsError", "AwsEC2", "NodeClassLookup", "Notice", "parse_message"]
