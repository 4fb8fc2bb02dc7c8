#!/usr/bin/env python3
"""Starts moto server (the local AWS emulator) with fixes for known moto 5.2.1 defects.

Usage: python3 moto_launcher.py --host 127.0.0.1 --port <port>

Contract (the C# side depends on it):
  * exit code 3 plus one line on stderr if moto 5.2.1 with server extras is missing;
  * patches are monkeypatched in memory (no file on disk changes);
  * Step Functions executes ASL (survives /moto-api/reset, which leaves the config alone);
  * prints exactly "moto-launcher ready http://<host>:<port>" on stdout once listening;
  * exits on stdin EOF (so also when the parent process dies: the pipe closes) and SIGTERM; ignores SIGINT
    (Ctrl+C in a terminal reaches the whole process group: the host stops first, then closes our stdin);
  * SageMaker blue/green deployments run RELEASE_CENTER_SAGEMAKER_SPEEDUP (default 300) times
    faster than the wall clock (patch 6); exit code 2 if that is not a positive number.
State-machine service integrations call http://localhost:$MOTO_PORT; when MOTO_PORT is
set (the C# Lambda proxy) it is kept, otherwise it defaults to --port like moto_server.
"""
import argparse
import copy
import datetime
import importlib
import json
import math
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid

REQUIRED_MOTO = "5.2.1"


def log(msg):
    print(f"moto-launcher: {msg}", file=sys.stderr, flush=True)


def fail(msg):
    log(msg)
    os._exit(3)


def check_dependencies():
    try:
        import moto
        found = getattr(moto, "__version__", "unknown")
    except ModuleNotFoundError:
        found = "not installed"
    except Exception as ex:  # a broken install
        found = f"unusable: {ex}"
    if found != REQUIRED_MOTO:
        fail(f"moto {REQUIRED_MOTO} with server extras is required (found {found}). "
             f"Install it with: pip install 'moto[server]=={REQUIRED_MOTO}'")
    for mod in ("werkzeug", "flask", "flask_cors", "antlr4", "jsonpath_ng", "moto.server"):
        try:
            importlib.import_module(mod)
        except Exception as ex:
            fail(f"moto {REQUIRED_MOTO} is installed but its server extras are incomplete "
                 f"({mod}: {ex}). Install them with: pip install 'moto[server]=={REQUIRED_MOTO}'")


def _jsonable(obj):
    """Replaces datetimes (in place inside dicts/lists) with ISO strings; returns the result."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            obj[k] = _jsonable(v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            obj[i] = _jsonable(v)
    elif isinstance(obj, (datetime.datetime, datetime.date)):
        return obj.isoformat()
    return obj


def patch_1_deepcopy_state_machine():
    """Defect 1: StartExecution deep-copies the state machine as a snapshot; the copy drags
    along its `executions` (which hold worker threads/RLocks) and `backend`, so every
    execution after the first fails with "cannot pickle '_thread.RLock' object".
    Snapshot only the definition-level fields: share the backend, start with no executions."""
    from moto.stepfunctions.models import StateMachineInstance

    def __deepcopy__(self, memo):
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            if key == "executions":
                value = []
            elif key != "backend":
                value = copy.deepcopy(value, memo)
            clone.__dict__[key] = value
        return clone

    StateMachineInstance.__deepcopy__ = __deepcopy__


def patch_2_execution_name():
    """Defect 2: the ASL backend's StartExecution without `name` creates an execution named
    None (ARN ending in ':None'). AWS generates a UUID; do the same."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    original = StepFunctionsParserBackend.start_execution

    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):
        return original(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)

    StepFunctionsParserBackend.start_execution = start_execution


def _json_path(doc, path):
    """Minimal JSONPath for EventBridge InputPath: $, $.a.b, $.a[0], $['a']."""
    cur = doc
    for key, index, quoted in re.findall(r"\.([^.\[]+)|\[(\d+)\]|\['([^']*)'\]", path.strip()[1:]):
        cur = cur[int(index)] if index else cur[key or quoted]
    return cur


def patch_3_events_targets():
    """Defect 3: EventBridge Rule.send_to_targets raises NotImplementedError (HTTP 500 from
    PutEvents) for Step Functions, Lambda (and SNS) targets, ignores target Input/InputPath,
    and its default envelope template drops "account". Deliver states/lambda/sns targets here,
    apply Input/InputPath, and hand every other target (SQS, logs, event buses, archives, API
    destinations) to moto's own code one target at a time, exactly as before."""
    from moto.events import models as events_models
    from moto.events.utils import EventTemplateParser
    from moto.utilities.arns import parse_arn
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp

    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE.replace(
        '"version": "0", ', '"version": "0", "account": "<account>", ')
    original = events_models.Rule.send_to_targets

    class MatchAll:  # the rule's pattern was already matched against the original event
        @staticmethod
        def matches_event(_event):
            return True

    def invoke_lambda(function, payload):  # async Invoke through MOTO_PORT (the C# proxy)
        url = (f"http://localhost:{os.environ['MOTO_PORT']}/2015-03-31/functions/"
               f"{urllib.parse.quote(function, safe='')}/invocations")
        req = urllib.request.Request(url, data=payload.encode(), method="POST", headers={
            "X-Amz-Invocation-Type": "Event", "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=5).close()
        except Exception as ex:  # delivery is asynchronous in AWS too: never fail PutEvents
            log(f"EventBridge -> Lambda {function} failed: {ex}")

    def send_to_targets(self, original_event, transform_input=True):
        if not self.event_pattern.matches_event(original_event):
            return
        for target in list(self.targets):
            arn = parse_arn(target["Arn"])
            custom = arn.service in ("states", "lambda", "sns")
            one = copy.copy(self)  # shallow copy: moto's loop then sees just this target
            one.targets = [target]
            if not custom and "Input" not in target and "InputPath" not in target:
                original(one, original_event, transform_input)  # unchanged moto behaviour
                continue
            try:
                if transform_input:
                    transformer = target.get("InputTransformer", {})
                    event = EventTemplateParser.parse(
                        input_template=transformer.get("InputTemplate"),
                        input_paths_map=transformer.get("InputPathsMap", {}), event=original_event)
                else:
                    event = copy.deepcopy(original_event)
                if custom and isinstance(event, dict) and isinstance(event.get("time"), (int, float)):
                    event["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(event["time"]))
                if "Input" in target:
                    event = json.loads(target["Input"])
                elif "InputPath" in target:
                    event = _json_path(event, target["InputPath"])
                if arn.service == "states":
                    from moto.stepfunctions.responses import get_backend
                    get_backend(arn.account, arn.region).start_execution(
                        target["Arn"], str(uuid.uuid4()), json.dumps(event))
                elif arn.service == "lambda":
                    threading.Thread(target=invoke_lambda, args=(target["Arn"], json.dumps(event)),
                                     daemon=True).start()
                elif arn.service == "sns":
                    from moto.sns import sns_backends
                    sns_backends[arn.account][arn.region].publish(
                        event if isinstance(event, str) else json.dumps(event), arn=target["Arn"])
                else:
                    one.event_pattern = MatchAll()
                    original(one, event, False)
            except Exception as ex:  # a failed delivery must not turn PutEvents into a 500
                log(f"EventBridge target {target.get('Id')} ({target['Arn']}) failed: {ex!r}")

    events_models.Rule.send_to_targets = send_to_targets


def patch_4_json_safe_outputs():
    """Defect 4: task results can hold datetimes (boto3 parses timestamps, e.g. in aws-sdk:*
    results) and DescribeExecution's json.dumps(execution.output) then fails
    with HTTP 500. Normalise every service-task result to ISO strings at the source, and
    the final execution output too (Pass/Choice can still carry anything)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService)
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
    original_normalise = StateTaskService._normalise_response
    original_reflect = BaseExecutionWorkerCommunication._reflect_execution_status

    def _normalise_response(self, response, *args, **kwargs):
        return original_normalise(self, _jsonable(response), *args, **kwargs)

    def _reflect_execution_status(self):
        original_reflect(self)
        self.execution.output = _jsonable(self.execution.output)

    StateTaskService._normalise_response = _normalise_response
    BaseExecutionWorkerCommunication._reflect_execution_status = _reflect_execution_status


def patch_5_send_task_failure_cause():
    """Defect 5: the SendTaskFailure handler reads only `error` and drops `cause`, so the
    Catch's $.Cause and the failed execution's cause are empty. Pass both through."""
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self):
        backend = self.stepfunction_backend
        kwargs = {"error": self._get_param("error")}
        if isinstance(backend, StepFunctionsParserBackend):  # the mock backend has no cause
            kwargs["cause"] = self._get_param("cause")
        backend.send_task_failure(self._get_param("taskToken"), **kwargs)
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure


SAGEMAKER_SPEEDUP_VARIABLE = "RELEASE_CENTER_SAGEMAKER_SPEEDUP"
DEFAULT_SAGEMAKER_SPEEDUP = 300.0


def _sagemaker_speedup():
    raw = os.environ.get(SAGEMAKER_SPEEDUP_VARIABLE, "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_SAGEMAKER_SPEEDUP
    except ValueError:
        value = -1.0
    if not value > 0:  # exit code 2 (usage), not 3: nothing is missing
        log(f"{SAGEMAKER_SPEEDUP_VARIABLE} must be a positive number (found {raw!r}).")
        os._exit(2)
    return value


def patch_6_sagemaker_update_endpoint():
    """Defect 6: SageMaker UpdateEndpoint is not implemented (HTTP 500). Our stand-in:

    * The endpoint and the new config must exist, else ValidationException. An endpoint still
      Updating refuses another update, as SageMaker does ("Cannot update in-progress endpoint").
    * No DeploymentConfig (and no RetainDeploymentConfig to reuse the last one), or a
      deployment that takes no time: switch at once to the new config and its variants, stay
      InService, remember DeploymentConfig and RetainAllVariantProperties.
    * A BlueGreenUpdatePolicy whose traffic shift takes time (CANARY, LINEAR, or ALL_AT_ONCE with
      a WaitIntervalInSeconds or TerminationWaitInSeconds): the endpoint is Updating and keeps
      the old EndpointConfigName and variants (blue) until the deployment ends. The new config
      (green) takes traffic in steps, each held for WaitIntervalInSeconds (the baking period,
      the last step too, as in SageMaker): ALL_AT_ONCE 100%; CANARY CanarySize, then 100%;
      LINEAR LinearStepSize, 2x, ... then 100%. CAPACITY_PERCENT sizes are percentages,
      INSTANCE_COUNT ones a share of the green fleet's instances. After the last baking period
      and TerminationWaitInSeconds, the endpoint is InService on the new config,
      LastDeploymentConfig is the given one and PendingDeploymentSummary is gone.
      While Updating, DescribeEndpoint shows blue's share of traffic as the CurrentWeight of
      its ProductionVariants (DesiredWeight 0) and green's in PendingDeploymentSummary
      (EndpointConfigName = new config, StartTime, ProductionVariants with CurrentWeight = green's
      share and DesiredWeight = the variant's share of the new config: 1.0 for one variant).
      Several variants split a fleet's share in proportion to their configured weights.
    * Documented bounds are checked as SageMaker does (ValidationException): WaitIntervalInSeconds
      and TerminationWaitInSeconds 0..3600, MaximumExecutionTimeoutInSeconds 600..28800, canary
      at most 50% and linear steps 10..50% of the fleet. Alarms never trip (moto evaluates none)
      and the execution timeout is not enforced.

    * SageMaker sends "SageMaker Endpoint State Change" (source aws.sagemaker) to the account's
      default bus when an endpoint's status settles; moto sends nothing. The stand-in puts that
      event (detail: EndpointName, EndpointArn, EndpointConfigName, EndpointStatus in SageMaker's
      IN_SERVICE form, CreationTime, LastModifiedTime) when an endpoint is created, when an update
      switches at once, and when a rollout ends. A timer thread per rollout ends it on time even
      if nobody describes the endpoint, so the event comes without polling.

    Clock: the state is computed lazily from the wall clock whenever the endpoint is described
    or listed, and by the rollout's timer when it is due. SageMaker seconds run RELEASE_CENTER_SAGEMAKER_SPEEDUP (default 300)
    times faster than real ones, so deployments with realistic waits (up to 3600 s a step) finish
    in seconds locally; tests observe each step but assert no exact timings."""
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    speedup = _sagemaker_speedup()
    lock = threading.RLock()  # the server is threaded; a deployment ends exactly once
    rollout_attribute = "_release_center_rollout"  # kept on the endpoint, so deleting it ends the rollout too

    def bounded(value, name, low, high):
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError(message=f"{name} must be an integer from {low} to {high} (found {value!r}).")
        return value

    def percent_of_fleet(size, name, instances):
        if not isinstance(size, dict) or not isinstance(size.get("Value"), int) or size["Value"] < 1:
            raise ValidationError(message=f"{name} with a Value of at least 1 is required.")
        if size.get("Type") == "CAPACITY_PERCENT":
            return float(size["Value"])
        if size.get("Type") == "INSTANCE_COUNT":
            return 100.0 * size["Value"] / max(instances, 1)
        raise ValidationError(message=f"{name}.Type must be CAPACITY_PERCENT or INSTANCE_COUNT (found {size.get('Type')!r}).")

    def traffic_steps(policy, instances):
        """Green's share of traffic (percent) at each step; each step lasts WaitIntervalInSeconds."""
        routing = policy.get("TrafficRoutingConfiguration")
        if not isinstance(routing, dict):
            raise ValidationError(message="BlueGreenUpdatePolicy.TrafficRoutingConfiguration is required.")
        kind = routing.get("Type")
        if kind == "ALL_AT_ONCE":
            return [100.0]
        if kind == "CANARY":
            canary = percent_of_fleet(routing.get("CanarySize"), "CanarySize", instances)
            if canary > 50:
                raise ValidationError(message="CanarySize must be at most 50% of the fleet.")
            return [canary, 100.0]
        if kind == "LINEAR":
            step = percent_of_fleet(routing.get("LinearStepSize"), "LinearStepSize", instances)
            if not 10 <= step <= 50:
                raise ValidationError(message="LinearStepSize must be 10 to 50% of the fleet.")
            count = math.ceil(100 / step - 1e-9)  # the last step tops up to 100% (1e-9: a third is 3 steps)
            return [step * k for k in range(1, count)] + [100.0]
        raise ValidationError(message=f"TrafficRoutingConfiguration.Type must be ALL_AT_ONCE, CANARY or LINEAR (found {kind!r}).")

    def plan(deployment_config, variants):
        """The rollout schedule, or None when the switch takes no time."""
        policy = (deployment_config or {}).get("BlueGreenUpdatePolicy")
        if not isinstance(policy, dict):
            return None
        routing = policy.get("TrafficRoutingConfiguration") or {}
        wait = bounded(routing.get("WaitIntervalInSeconds"), "WaitIntervalInSeconds", 0, 3600) or 0
        termination = bounded(policy.get("TerminationWaitInSeconds"), "TerminationWaitInSeconds", 0, 3600) or 0
        bounded(policy.get("MaximumExecutionTimeoutInSeconds"), "MaximumExecutionTimeoutInSeconds", 600, 28800)
        instances = sum(v.get("CurrentInstanceCount") or 0 for v in variants)
        steps = traffic_steps(policy, instances)
        if wait * len(steps) + termination == 0:
            return None
        return {"steps": steps, "wait": wait, "termination": termination}

    def shares(variants):
        """Each variant's fraction of its fleet's traffic, from the configured weights."""
        weights = [float(v.get("CurrentWeight") or 0) for v in variants]
        total = sum(weights)
        return [w / total if total else 1.0 / len(variants) for w in weights]

    def state_change_event(endpoint):
        """SageMaker's event for the endpoint's status now, put on the default bus of its account and region."""
        from moto.events.models import events_backends
        status = re.sub(r"(?<!^)(?=[A-Z])", "_", endpoint.endpoint_status).upper()  # InService -> IN_SERVICE
        detail = {"EndpointName": endpoint.endpoint_name, "EndpointArn": endpoint.arn,
                  "EndpointConfigName": endpoint.endpoint_config_name, "EndpointStatus": status,
                  "CreationTime": str(endpoint.creation_time), "LastModifiedTime": str(endpoint.last_modified_time)}
        account, region = endpoint.arn.split(":")[4], endpoint.arn.split(":")[3]
        try:
            events_backends[account][region].put_events([{
                "Source": "aws.sagemaker", "DetailType": "SageMaker Endpoint State Change",
                "Detail": json.dumps(detail), "Resources": [endpoint.arn], "EventBusName": "default"}])
        except Exception as ex:  # an event SageMaker could not send must not fail the SageMaker call
            log(f"SageMaker Endpoint State Change for {endpoint.endpoint_name} not sent: {ex!r}")

    def switch(endpoint, config_name, variants, data_capture, deployment_config):
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = variants
        endpoint.data_capture_config = data_capture
        if deployment_config:
            endpoint.last_deployment_config = deployment_config  # DescribeEndpoint: LastDeploymentConfig
        endpoint.endpoint_status = "InService"
        endpoint.last_modified_time = utcnow()

    def advance(endpoint):
        """Ends a finished deployment; returns the one in progress (with green's share now) or None."""
        with lock:
            rollout = endpoint.__dict__.get(rollout_attribute)
            if rollout is None:
                return None
            elapsed = (time.monotonic() - rollout["started"]) * speedup
            steps, wait = rollout["steps"], rollout["wait"]
            if elapsed >= wait * len(steps) + rollout["termination"]:
                del endpoint.__dict__[rollout_attribute]
                switch(endpoint, rollout["config_name"], rollout["variants"], rollout["data_capture"],
                       rollout["deployment_config"])
                state_change_event(endpoint)
                return None
            step = len(steps) - 1 if wait == 0 else min(int(elapsed // wait), len(steps) - 1)
            return {**rollout, "green_percent": steps[step]}

    def update_endpoint(self, endpoint_name, endpoint_config_name,
                        retain_all_variant_properties=None, deployment_config=None,
                        retain_deployment_config=None):
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        if endpoint_config_name not in self.endpoint_configs:
            arn = FakeEndpointConfig.arn_formatter(endpoint_config_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint configuration '{arn}'.")
        with lock:
            if advance(endpoint) is not None:
                raise ValidationError(message=f'Cannot update in-progress endpoint "{endpoint.arn}".')
            if not deployment_config and retain_deployment_config:
                deployment_config = getattr(endpoint, "last_deployment_config", None)
            config = self.endpoint_configs[endpoint_config_name].response_object
            old = {v["VariantName"]: v for v in endpoint.production_variants}
            variants = endpoint._process_production_variants(config["ProductionVariants"])
            if retain_all_variant_properties:  # keep current weights/counts of surviving variants
                variants = [{**v, **old.get(v["VariantName"], {})} for v in variants]
            endpoint.retain_all_variant_properties = bool(retain_all_variant_properties)
            schedule = plan(deployment_config, variants)
            if schedule is None:
                switch(endpoint, endpoint_config_name, variants, config.get("DataCaptureConfig"), deployment_config)
                state_change_event(endpoint)
                return endpoint
            endpoint.__dict__[rollout_attribute] = {
                **schedule, "started": time.monotonic(), "start_time": utcnow(),
                "config_name": endpoint_config_name, "variants": variants,
                "data_capture": config.get("DataCaptureConfig"), "deployment_config": deployment_config}
            endpoint.endpoint_status = "Updating"
            endpoint.last_modified_time = utcnow()
            due = (schedule["wait"] * len(schedule["steps"]) + schedule["termination"]) / speedup
            # Ends the rollout on time; an endpoint deleted (or replaced) meanwhile is left alone.
            timer = threading.Timer(due + 0.01, lambda: self.endpoints.get(endpoint_name) is endpoint and advance(endpoint))
            timer.daemon = True
            timer.start()
            return endpoint

    def update_endpoint_response(self):
        endpoint = self.sagemaker_backend.update_endpoint(
            endpoint_name=self._get_param("EndpointName"),
            endpoint_config_name=self._get_param("EndpointConfigName"),
            retain_all_variant_properties=self._get_param("RetainAllVariantProperties"),
            deployment_config=self._get_param("DeploymentConfig"),
            retain_deployment_config=self._get_param("RetainDeploymentConfig"))
        return ActionResult({"EndpointArn": endpoint.arn})

    original_response_object = FakeEndpoint.response_object
    original_summary = FakeEndpoint.summary
    original_list_endpoints = SageMakerModelBackend.list_endpoints

    def response_object(self):
        with lock:
            rollout = advance(self)
            response = original_response_object.fget(self)
            response.pop(self.camelCase(rollout_attribute), None)  # moto reports every attribute
            if rollout is None:
                return response
            green = rollout["green_percent"] / 100.0
            blue = (100.0 - rollout["green_percent"]) / 100.0
            response["ProductionVariants"] = [
                {**v, "CurrentWeight": blue * share, "DesiredWeight": 0.0}
                for v, share in zip(self.production_variants, shares(self.production_variants))]
            response["PendingDeploymentSummary"] = {
                "EndpointConfigName": rollout["config_name"],
                "ProductionVariants": [
                    {**v, "CurrentWeight": green * share, "DesiredWeight": share}
                    for v, share in zip(rollout["variants"], shares(rollout["variants"]))],
                "StartTime": rollout["start_time"],
            }
            return response

    def summary(self):
        advance(self)
        return original_summary(self)

    def list_endpoints(self, *args, **kwargs):
        for endpoint in list(self.endpoints.values()):  # StatusEquals filters on the current status
            advance(endpoint)
        return original_list_endpoints(self, *args, **kwargs)

    original_create_endpoint = SageMakerModelBackend.create_endpoint

    def create_endpoint(self, *args, **kwargs):
        endpoint = original_create_endpoint(self, *args, **kwargs)  # InService at once in moto
        state_change_event(endpoint)
        return endpoint

    SageMakerModelBackend.create_endpoint = create_endpoint
    SageMakerModelBackend.update_endpoint = update_endpoint
    SageMakerResponse.update_endpoint = update_endpoint_response
    FakeEndpoint.response_object = property(response_object)
    FakeEndpoint.summary = summary
    SageMakerModelBackend.list_endpoints = list_endpoints


def patch_7_stop_execution_wakes_task_token_waits():
    """Defect 7: StopExecution does not end an execution that waits for a task token.

    The interpreter's .waitForTaskToken wait blocks on the callback's own event for up to the
    task's TimeoutSeconds and never looks at the stop signal, so a stopped execution stays
    RUNNING until the token arrives or times out. In AWS the stop is immediate (ABORTED).
    Fix: after the stop is recorded, wake every waiting callback of that execution; the
    interpreter then sees the stopped program and ends it. The woken wait reports a timeout,
    and Environment.set_error/set_timed_out overwrite any state (set_stop and set_ended only
    replace a running one), so a stopped program is also kept stopped: ABORTED, as in AWS."""
    from moto.stepfunctions.parser.asl.eval import environment as environment_module
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
    from moto.stepfunctions.parser.backend import execution as execution_module

    for name in ("set_error", "set_timed_out"):
        setter = getattr(environment_module.Environment, name)

        def keep_stopped(self, *args, _setter=setter, **kwargs):
            if isinstance(self._program_state, ProgramStopped):
                return None
            return _setter(self, *args, **kwargs)

        setattr(environment_module.Environment, name, keep_stopped)

    original = execution_module.Execution.stop

    def stop(self, stop_date, error, cause):
        original(self, stop_date, error, cause)
        worker = self.exec_worker
        env = getattr(worker, "env", None) if worker else None
        pool = getattr(getattr(env, "callback_pool_manager", None), "_pool", None)
        for endpoint in list((pool or {}).values()):
            endpoint.interrupt_all()

    execution_module.Execution.stop = stop


def patch_8_serialize_dynamodb():
    """Defect 8: DynamoDB requests run concurrently on the threaded server without a lock, so
    TransactWriteItems is neither atomic nor isolated: two transactions conditioned on the same
    item both succeed, and a failed one restores a table snapshot that drops writes committed in
    the meantime. Serialize DynamoDB requests, as one in-memory store has to be to hold its promises."""
    from moto.dynamodb.responses import DynamoHandler
    lock = threading.RLock()
    original = DynamoHandler.call_action

    def call_action(self):
        with lock:
            return original(self)

    DynamoHandler.call_action = call_action


def patch_9_sagemaker_pipeline_stand_in():
    """Stand-in 9: moto's pipeline executions are Succeeded at once, produce nothing, and
    StartPipelineExecution ignores ClientRequestToken. For a pipeline whose definition has a
    "ReleaseCenterStandIn" object ({"durationSeconds", "outcome": "Succeeded"|"Failed",
    "failureReason", "modelPackageGroupName", "image", "artifactUriPrefix", "metrics"}), an
    execution is Executing for durationSeconds (wall clock), then ends with the outcome. A
    succeeded one registers a model package in the group, as a RegisterModel step would:
    InferenceSpecification (image, ModelDataUrl = <artifactUriPrefix>/<execution id>/model.tar.gz),
    MetadataProperties.GeneratedBy = the execution ARN, CustomerMetadataProperties artifactDigest
    (sha256 of the URL: deterministic) and metric:<name> per metric. The same ClientRequestToken
    returns the same execution. Pipelines without the object keep moto's behaviour.
    StopPipelineExecution (moto has none) stops an Executing execution: Stopped at once, and it
    registers nothing; an execution that ended already is left as it is."""
    import hashlib
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    original_start = SageMakerModelBackend.start_pipeline_execution
    original_describe = SageMakerModelBackend.describe_pipeline_execution

    def find_execution(backend, arn):
        for pipeline in backend.pipelines.values():
            if arn in pipeline.pipeline_executions:
                return pipeline.pipeline_executions[arn]
        return None

    def stand_in_of(definition):
        try:
            return (json.loads(definition or "{}") or {}).get("ReleaseCenterStandIn")
        except (ValueError, AttributeError):
            return None

    def start(self, pipeline_name, pipeline_execution_display_name, pipeline_parameters,
              pipeline_execution_description, parallelism_configuration, client_request_token):
        pipeline = self.pipelines.get(pipeline_name)
        if pipeline is not None and client_request_token:
            for execution in pipeline.pipeline_executions.values():
                if execution.client_request_token == client_request_token:
                    return {"PipelineExecutionArn": execution.arn}
        result = original_start(self, pipeline_name, pipeline_execution_display_name, pipeline_parameters,
                                pipeline_execution_description, parallelism_configuration, client_request_token)
        execution = find_execution(self, result["PipelineExecutionArn"])
        stand_in = stand_in_of(execution.pipeline_definition_for_execution) if execution else None
        if stand_in is not None:
            execution.pipeline_execution_status = "Executing"
            execution.release_center_stand_in = stand_in
            execution.release_center_started = time.monotonic()
        return result

    def advance(backend, execution):
        stand_in = getattr(execution, "release_center_stand_in", None)
        if stand_in is None or execution.pipeline_execution_status != "Executing":
            return
        if time.monotonic() - execution.release_center_started < float(stand_in.get("durationSeconds") or 0):
            return
        outcome = stand_in.get("outcome") or "Succeeded"
        execution.pipeline_execution_status = outcome
        execution.last_modified_time = datetime.datetime.now(datetime.timezone.utc)
        if outcome != "Succeeded":
            execution.release_center_failure = stand_in.get("failureReason") or "The training step failed."
            return
        group = stand_in["modelPackageGroupName"]
        if group not in backend.model_package_groups:
            backend.create_model_package_group(model_package_group_name=group,
                                               model_package_group_description="release-center stand-in", tags=None)
        execution_id = execution.arn.rsplit("/", 1)[-1]
        prefix = stand_in.get("artifactUriPrefix") or f"s3://release-center-models-local/{group}"
        url = f"{prefix.rstrip('/')}/{execution_id}/model.tar.gz"
        properties = {"artifactDigest": "sha256:" + hashlib.sha256(url.encode()).hexdigest()}
        for name, value in (stand_in.get("metrics") or {}).items():
            properties[f"metric:{name}"] = str(value)
        backend.create_model_package(
            model_package_name=None, model_package_group_name=group,
            model_package_description=f"Trained by {execution.arn}",
            inference_specification={"Containers": [{"Image": stand_in["image"], "ModelDataUrl": url}],
                                     "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
            validation_specification=None, source_algorithm_specification=None, certify_for_marketplace=False,
            tags=None, model_approval_status="PendingManualApproval",
            metadata_properties={"GeneratedBy": execution.arn}, model_metrics=None, client_token=None,
            customer_metadata_properties=properties, drift_check_baselines=None, domain=None, task=None,
            sample_payload_url=None, additional_inference_specifications=None)

    def describe(self, pipeline_execution_arn):
        execution = find_execution(self, pipeline_execution_arn)
        if execution is not None:
            advance(self, execution)
        response = original_describe(self, pipeline_execution_arn)
        if execution is not None and getattr(execution, "release_center_failure", None):
            response["FailureReason"] = execution.release_center_failure
        return response

    def stop_response(self):
        arn = self._get_param("PipelineExecutionArn")
        execution = find_execution(self.sagemaker_backend, arn)
        if execution is None:
            raise ValidationError(message=f"Could not find pipeline execution '{arn}'.")
        advance(self.sagemaker_backend, execution)
        if execution.pipeline_execution_status == "Executing":
            execution.pipeline_execution_status = "Stopped"
            execution.last_modified_time = datetime.datetime.now(datetime.timezone.utc)
        return ActionResult({"PipelineExecutionArn": arn})

    SageMakerModelBackend.start_pipeline_execution = start
    SageMakerModelBackend.describe_pipeline_execution = describe
    SageMakerResponse.stop_pipeline_execution = stop_response



def patch_10_model_package_events():
    """SageMaker puts "SageMaker Model Package State Change" (source aws.sagemaker) on the account's
    default bus when a model package is created or its approval status changes; moto sends nothing.
    The stand-in puts that event after CreateModelPackage and UpdateModelPackage, its detail as
    DescribeModelPackage answers (ModelPackageGroupName, ModelPackageVersion, ModelPackageArn,
    ModelPackageStatus, ModelApprovalStatus, InferenceSpecification, MetadataProperties, ...).
    Defect fixed on the way: moto's UpdateModelPackage sets CustomerMetadataProperties to None when
    the request does not name them; SageMaker keeps them."""
    from moto.sagemaker.models import SageMakerModelBackend

    original_create = SageMakerModelBackend.create_model_package
    original_update = SageMakerModelBackend.update_model_package

    def state_change_event(backend, arn):
        from moto.events.models import events_backends
        package = backend.model_packages.get(arn)
        if package is None:
            return
        detail = json.loads(json.dumps(package.gen_response_object(), default=str))
        try:
            events_backends[backend.account_id][backend.region_name].put_events([{
                "Source": "aws.sagemaker", "DetailType": "SageMaker Model Package State Change",
                "Detail": json.dumps(detail), "Resources": [arn], "EventBusName": "default"}])
        except Exception as ex:  # an event SageMaker could not send must not fail the SageMaker call
            log(f"SageMaker Model Package State Change for {arn} not sent: {ex!r}")

    def create(self, *args, **kwargs):
        arn = original_create(self, *args, **kwargs)
        state_change_event(self, arn)
        return arn

    def update(self, model_package_arn, model_approval_status, approval_description, customer_metadata_properties,
               customer_metadata_properties_to_remove, additional_inference_specifications_to_add):
        if customer_metadata_properties is None:
            name = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
            package = self.model_packages.get(name)
            customer_metadata_properties = package.customer_metadata_properties if package is not None else None
        arn = original_update(self, model_package_arn, model_approval_status, approval_description, customer_metadata_properties,
                              customer_metadata_properties_to_remove, additional_inference_specifications_to_add)
        state_change_event(self, arn)
        return arn

    SageMakerModelBackend.create_model_package = create
    SageMakerModelBackend.update_model_package = update


def enable_step_functions_execution():
    # Same dict that POST /moto-api/config {"stepfunctions": ...} writes; reset leaves it alone.
    from moto.core.config import default_user_config
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True


def install_lifetime_guards():
    def on_signal(_signum, _frame):
        os._exit(0)
    signal.signal(signal.SIGTERM, on_signal)
    # Ctrl+C in a terminal signals the whole foreground process group, the host that started us included. Dying at
    # once would pull the emulator from under the host's last work while it stops (a relay pass failing with a
    # warning on the way out); the host closes our stdin once it is done, and that ends us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # No PR_SET_PDEATHSIG: Linux sends it when the *thread* that forked us exits, and .NET starts
    # processes from thread-pool threads that the pool retires when idle, which killed the
    # emulator in the middle of long test runs. The stdin watch covers a dead parent: the pipe
    # closes when our parent process ends, however it ends.


def main(argv=None):
    parser = argparse.ArgumentParser(description="moto server with ML Release Center fixes")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    install_lifetime_guards()
    check_dependencies()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto_server does

    patch_1_deepcopy_state_machine()
    patch_2_execution_name()
    patch_3_events_targets()
    patch_4_json_safe_outputs()
    patch_5_send_task_failure_cause()
    patch_6_sagemaker_update_endpoint()
    patch_7_stop_execution_wakes_task_token_waits()
    patch_8_serialize_dynamodb()
    patch_9_sagemaker_pipeline_stand_in()
    patch_10_model_package_events()
    enable_step_functions_execution()

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # as moto_server does
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except OSError as ex:
        log(f"cannot listen on {args.host}:{args.port}: {ex}")
        os._exit(1)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for _ in range(100):  # the socket listens already; make sure connections are accepted
        try:
            socket.create_connection((args.host, args.port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    print(f"moto-launcher ready http://{args.host}:{args.port}", flush=True)

    try:  # block until the parent closes our stdin (or dies); input itself is ignored
        while sys.stdin.buffer.read1(65536):
            pass
    except Exception:  # no usable stdin counts as closed
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
