"""Pulse consumer benchmark: 20,000 messages through ``taskcluster.pulse.Consumer.run``
beside a plain kombu consumer with the same prefetch, on the same queue.

    python bench/pulse.py [--messages 20000] [--prefetch 5] [--rounds 3]

(``nox -s pulse -- --bench`` runs it after the pulse tests.)  The broker is a
RabbitMQ of the run's own (tests/pulse_broker.py: Debian's rabbitmq-server on
free ports, stopped at the end).  Before each round the queue (quorum, as the
consumer declares it) is filled with task-completed-sized JSON messages, not
timed; a round times from the start of consuming to the last message handled.
Rounds alternate between the two consumers.  The plain kombu consumer decodes
each body as JSON and acknowledges it, as the handler's work here is nothing;
ours also builds the Message (routes, routing parts).  Prints messages/s
(median of the rounds, [min..max]) and the ratio; nothing fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)

EXCHANGE = "exchange/taskcluster-queue/v1/task-completed"
QUEUE_NAME = "bench"


def payload(i):
    return {"version": 1, "status": {
        "taskId": "fN1SbArXTPSVFNUvaOlinQ", "provisionerId": "proj-bench",
        "workerType": "ci", "taskQueueId": "proj-bench/ci", "schedulerId": "taskcluster-github",
        "projectId": "none", "taskGroupId": "a7Fq1Wq2RDWbG8OYE1bP3A", "deadline":
        "2026-12-03T00:00:00.000Z", "expires": "2027-12-03T00:00:00.000Z", "retriesLeft": 5,
        "state": "completed", "runs": [{"runId": 0, "state": "completed", "reasonCreated":
                                        "scheduled", "reasonResolved": "completed",
                                        "workerGroup": "us-east1", "workerId": "w-%d" % i,
                                        "takenUntil": "2026-12-02T00:20:00.000Z",
                                        "scheduled": "2026-12-02T00:00:00.000Z",
                                        "started": "2026-12-02T00:00:01.000Z",
                                        "resolved": "2026-12-02T00:10:00.000Z"}]},
        "runId": 0, "workerGroup": "us-east1", "workerId": "w-%d" % i}


def fill(broker, queue, n):
    """Publish n messages to the exchange (no confirms: not timed), then wait
    until the queue holds them all."""
    import amqp
    conn = amqp.Connection("127.0.0.1:%d" % broker.port, userid=broker.user,
                           password=broker.password)
    conn.connect()
    try:
        ch = conn.channel()
        for i in range(n):
            body = json.dumps(payload(i)).encode()
            ch.basic_publish(amqp.Message(body, content_type="application/json",
                                          application_headers={"CC": ["route.index.bench.%d" % i]}),
                             exchange=EXCHANGE,
                             routing_key="primary.fN1SbArXTPSVFNUvaOlinQ.0.us-east1.w-%d."
                                         "proj-bench.ci.taskcluster-github.a7Fq1Wq2RDWbG8OYE1bP3A"
                                         % i)
        while True:
            _, count, _ = ch.queue_declare(queue, passive=True)
            if count >= n:
                return
            time.sleep(0.1)
    finally:
        conn.close()


def ours(broker, n, prefetch):
    import taskcluster
    from taskcluster import pulse
    binding = taskcluster.QueueEvents().taskCompleted()
    seen = 0
    end = None
    with pulse.Consumer([binding], url=broker.url, queueName=QUEUE_NAME,
                        prefetch=prefetch) as consumer:
        def handle(m):
            nonlocal seen, end
            seen += 1
            if seen == n:
                end = time.perf_counter()
                consumer.stop()

        start = time.perf_counter()
        consumer.run(handle)
    assert seen == n, seen
    return n / (end - start)


def plain_kombu(broker, queue, n, prefetch):
    import kombu
    seen = 0
    end = None
    with kombu.Connection(broker.url) as conn:
        channel = conn.channel()
        channel.basic_qos(0, prefetch, False)

        def callback(body, message):
            nonlocal seen, end
            message.ack()
            seen += 1
            if seen == n:
                end = time.perf_counter()

        q = kombu.Queue(queue, channel=channel, no_declare=True)
        with kombu.Consumer(channel, queues=[q], callbacks=[callback], accept=["json"]):
            start = time.perf_counter()
            while seen < n:
                conn.drain_events(timeout=10)
    return n / (end - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--prefetch", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import pulse_broker
    server = pulse_broker._find(pulse_broker._SERVER_CANDIDATES)
    ctl = pulse_broker._find(pulse_broker._CTL_CANDIDATES)
    if not server or not ctl:
        sys.exit("bench/pulse.py: rabbitmq-server is not installed")
    broker = pulse_broker.Broker(server, ctl).start()
    try:
        from taskcluster import pulse
        import taskcluster
        with pulse.Publisher(broker.url) as p:
            p.publish(EXCHANGE, "declare", {})
        # declare the queue once, as the consumer does (quorum), and bind it
        with pulse.Consumer([taskcluster.QueueEvents().taskCompleted()], url=broker.url,
                            queueName=QUEUE_NAME) as c:
            queue = c.queueName
        rates = {"taskcluster.pulse": [], "plain kombu": []}
        for r in range(args.rounds):
            order = [("taskcluster.pulse", lambda: ours(broker, args.messages, args.prefetch)),
                     ("plain kombu", lambda: plain_kombu(broker, queue, args.messages,
                                                         args.prefetch))]
            if r % 2:
                order.reverse()
            for name, run in order:
                fill(broker, queue, args.messages)
                rates[name].append(run())
        print("pulse: %d messages, prefetch %d, %d rounds, quorum queue, RabbitMQ on 127.0.0.1"
              % (args.messages, args.prefetch, args.rounds))
        for name, values in rates.items():
            print("  %-18s %8.0f msg/s  [%.0f..%.0f]" % (name, statistics.median(values),
                                                       min(values), max(values)))
        ratio = statistics.median(rates["taskcluster.pulse"]) / statistics.median(
            rates["plain kombu"])
        print("  ratio taskcluster.pulse / kombu: %.2fx (target >= 0.7x)" % ratio)
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
