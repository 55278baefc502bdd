"""A full queues.yaml and small helpers shared by the YuniKorn tests."""

from typing import Any

from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, issues_from
from sparkfleet.api.yunikorn import SchedulerConfig, validate_queues

QUEUES_YAML = """
partitions:
  - name: default
    nodesortpolicy:
      type: binpacking
    placementrules:
      - name: tag
        value: namespace
        create: true
        parent:
          name: fixed
          value: root.teams
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: teams
            parent: true
            maxapplications: 100
            childtemplate:
              maxapplications: 10
              properties:
                application.sort.policy: fifo
              resources:
                guaranteed: {memory: 10G, vcore: 2}
                max: {memory: 100G, vcore: 20}
            resources:
              guaranteed: {memory: 500G, vcore: 50}
              max: {memory: 800G, vcore: 300}
            queues:
              - name: spark-team-a
                maxapplications: 50
                adminacl: "alice analysts"
                properties:
                  application.sort.policy: fair
                  priority.offset: 10
                  preemption.delay: 1m
                resources:
                  guaranteed: {memory: 100G, vcore: 10, nvidia.com/gpu: 0}
                  max: {memory: 800G, vcore: 50000m}
                limits:
                  - limit: one app per intern
                    users: [intern1, intern2]
                    maxapplications: 1
                  - users: ["*"]
                    maxresources: {memory: 200G}
"""


def queues_doc(queues: list[dict[str, Any]], **partition: Any) -> dict[str, Any]:
    return {"partitions": [{"name": "default", "queues": [{"name": "root", "queues": queues}], **partition}]}


def issues_of(doc: dict[str, Any]) -> list[FieldIssue]:
    try:
        config = SchedulerConfig.model_validate(doc)
    except ValidationError as exc:
        return issues_from(exc, SchedulerConfig)
    return validate_queues(config)


def assert_issue(issues: list[FieldIssue], path: str, fragment: str) -> None:
    assert any(i.path == path and fragment in i.message for i in issues), issues


LEAF = "partitions[0].queues[0].queues[0]"
