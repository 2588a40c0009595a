"""The probe's own tests: each part on a real event loop and real threads, no mocks.

Run: /usr/bin/python3 -m unittest discover -s probes/python/tests -t probes/python
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from concurrency_lab_probe import process, wrap  # noqa: E402
from concurrency_lab_probe.locate import is_app_file, locate  # noqa: E402
from concurrency_lab_probe.loop_monitor import LoopMonitor  # noqa: E402
from concurrency_lab_probe.report import ReportWriter, document  # noqa: E402
from concurrency_lab_probe.timing import RequestRecord  # noqa: E402
from concurrency_lab_probe.watchdog import Watchdog  # noqa: E402


def block_here(seconds: float) -> None:
    time.sleep(seconds)  # the line a stall must be charged to


def block_deeper(seconds: float) -> None:
    block_here(seconds)


class ServerTimingTest(unittest.TestCase):
    def test_the_header_names_pid_thread_start_and_end(self) -> None:
        record = RequestRecord(thread=77, start_ns=1_000_000, end_ns=3_500_000)
        self.assertEqual(
            record.header(),
            f"handler;dur=2.500, pid;desc={os.getpid()}, thread;desc=77, start_ns;desc=1000000, "
            "end_ns;desc=3500000".encode(),
        )

    def test_the_first_pool_run_is_the_body(self) -> None:
        record = RequestRecord(thread=1, start_ns=10)
        record.ran_on_pool(2, 20)
        record.ran_on_pool(3, 30)  # response validation, later: not the body
        self.assertEqual((record.thread, record.start_ns, record.on_pool), (2, 20, True))


async def _call(app, path: str = "/") -> tuple[list, list]:
    """Runs one HTTP request through an ASGI app; returns the messages sent and the headers."""
    sent: list = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return sent, start["headers"]


def _timing(headers: list) -> dict[str, str]:
    value = dict(headers)[b"server-timing"].decode()
    fields = {}
    for metric in value.split(", "):
        name, _, param = metric.partition(";")
        fields[name] = param.split("=", 1)[1]
    return fields


class MiddlewareTest(unittest.TestCase):
    def test_an_async_handler_is_charged_to_the_loop_thread(self) -> None:
        async def app(scope, receive, send):
            await asyncio.sleep(0.01)
            await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
            await send({"type": "http.response.body", "body": b"{}"})

        async def run():
            return threading.get_native_id(), await _call(wrap(app))

        loop_thread, (sent, headers) = asyncio.run(run())
        fields = _timing(headers)
        self.assertIn((b"x-app", b"1"), headers)  # the app's own headers stay
        self.assertEqual(int(fields["pid"]), os.getpid())
        self.assertEqual(int(fields["thread"]), loop_thread)
        self.assertGreaterEqual(int(fields["end_ns"]) - int(fields["start_ns"]), 10_000_000)
        self.assertEqual(sent[-1]["body"], b"{}")

    def test_a_def_body_is_charged_to_the_pool_thread_that_ran_it(self) -> None:
        import anyio.to_thread

        def body() -> int:
            time.sleep(0.01)
            return threading.get_native_id()

        ran_on: list[int] = []

        async def app(scope, receive, send):
            ran_on.append(await anyio.to_thread.run_sync(body))  # as FastAPI runs a def endpoint
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        probed = wrap(app)  # installs the pool hook before the call

        async def run():
            return threading.get_native_id(), await _call(probed)

        loop_thread, (_, headers) = asyncio.run(run())
        fields = _timing(headers)
        self.assertEqual(int(fields["thread"]), ran_on[0])
        self.assertNotEqual(int(fields["thread"]), loop_thread)

    def test_wrapping_twice_wraps_once(self) -> None:
        async def app(scope, receive, send):
            pass

        once = wrap(app)
        self.assertIs(wrap(once), once)


class LoopMonitorTest(unittest.TestCase):
    def test_one_block_is_one_late_tick_not_a_burst(self) -> None:
        async def run() -> LoopMonitor:
            monitor = LoopMonitor(asyncio.get_running_loop(), 1.0, lambda: None)
            monitor.start()
            await asyncio.sleep(0.02)
            time.sleep(0.2)  # the loop frozen for 200 ms
            await asyncio.sleep(0.02)
            return monitor

        monitor = asyncio.run(run())
        self.assertEqual(monitor.stalls, 1)
        self.assertGreaterEqual(monitor.max_ms, 180)
        self.assertLess(monitor.stalled_ms, 2 * monitor.max_ms)
        self.assertEqual(sum(1 for due, ran in monitor.late if ran - due >= 100_000_000), 1)
        self.assertLessEqual(monitor.quantile_ms(50), monitor.quantile_ms(99))


class WatchdogTest(unittest.TestCase):
    def test_a_stall_is_charged_to_the_apps_line_that_blocked(self) -> None:
        async def run() -> Watchdog:
            monitor = LoopMonitor(asyncio.get_running_loop(), 1.0, lambda: None)
            watchdog = Watchdog(monitor, threading.get_ident(), 5.0)
            monitor.on_stall = watchdog.charge
            monitor.start()
            watchdog.start(None)
            await asyncio.sleep(0.02)
            block_deeper(0.1)
            await asyncio.sleep(0.02)
            return watchdog

        watchdog = asyncio.run(run())
        charged = [watchdog.locations[i] for _, _, i in watchdog.stalls if i >= 0]
        self.assertTrue(charged, watchdog.stalls)
        where = charged[-1]
        self.assertEqual((os.path.basename(where.file), where.function), ("test_probe.py", "block_here"))
        self.assertEqual(where.code, "time.sleep(seconds)")  # the call itself, not the line around it
        self.assertTrue(where.in_app)

    def test_a_stall_is_charged_to_the_apps_line_sampled_in_it_not_the_first_sample(self) -> None:
        # One stall, two holders in a row: asyncio's own frames with no line of the app's on the
        # stack (time.sleep scheduled straight onto the loop, as a read between two requests is),
        # then the app's line. The app's line is what the stall is charged to, though it came
        # second and held the loop for less of the stall.
        async def run(result: list[Watchdog]) -> None:
            loop = asyncio.get_running_loop()
            monitor = LoopMonitor(loop, 1.0, lambda: None)
            watchdog = Watchdog(monitor, threading.get_ident(), 5.0)
            monitor.on_stall = watchdog.charge
            monitor.start()
            watchdog.start(None)
            await asyncio.sleep(0.02)
            loop.call_soon(time.sleep, 0.1)
            loop.call_soon(block_deeper, 0.04)
            await asyncio.sleep(0.02)
            result.append(watchdog)

        # On a thread of its own, as uvicorn's loop is below no line of the app's: this test's own
        # frame, under asyncio.run, would be the app's innermost line of every sample.
        result: list[Watchdog] = []
        loop_thread = threading.Thread(target=asyncio.run, args=(run(result),))
        loop_thread.start()
        loop_thread.join()
        watchdog = result[0]
        long_ones = [(ran - due, i) for due, ran, i in watchdog.stalls if ran - due > 100_000_000]
        self.assertEqual(len(long_ones), 1, watchdog.stalls)
        where = watchdog.locations[long_ones[0][1]]
        self.assertEqual(where.function, "block_here")
        self.assertTrue(where.in_app)
        self.assertTrue(any(not w.in_app for w in watchdog.locations), watchdog.locations)  # the first holder was sampled too

    def test_a_library_frame_is_named_as_the_call_and_the_app_line_kept(self) -> None:
        frames: list = []
        done = threading.Event()

        def blocked_in_library() -> None:
            import queue

            q: queue.Queue = queue.Queue()
            threading.Timer(0.05, done.set).start()
            try:
                q.get(timeout=0.1)  # the standard library's queue, written in Python
            except queue.Empty:
                pass

        worker = threading.Thread(target=blocked_in_library)
        worker.start()
        time.sleep(0.03)
        frames.append(sys._current_frames()[worker.ident])
        where = locate(frames[0])
        worker.join()
        self.assertEqual(where.function, "blocked_in_library")
        self.assertEqual(where.call, "queue.Queue.get")
        self.assertTrue(is_app_file(__file__))
        self.assertFalse(is_app_file(threading.__file__))


class ReportTest(unittest.TestCase):
    def test_the_file_has_the_lab_servers_shape_and_is_replaced_whole(self) -> None:
        async def run() -> tuple[LoopMonitor, Watchdog]:
            monitor = LoopMonitor(asyncio.get_running_loop(), 1.0, lambda: (40, 1, 0))
            watchdog = Watchdog(monitor, threading.get_ident(), 5.0)
            monitor.on_stall = watchdog.charge
            monitor.start()
            await asyncio.sleep(0.02)
            return monitor, watchdog

        monitor, watchdog = asyncio.run(run())
        with tempfile.TemporaryDirectory() as folder:
            writer = ReportWriter(folder, monitor, watchdog, lambda: 0)
            writer.write()
            self.assertEqual(os.listdir(folder), [f"probe-{os.getpid()}.json"])
            with open(os.path.join(folder, f"probe-{os.getpid()}.json"), encoding="utf-8") as f:
                doc = json.load(f)
        self.assertEqual(doc, json.loads(json.dumps(document(monitor, watchdog, 0))))
        self.assertEqual(set(doc["loop_lag"]), {"interval_ms", "ticks", "max_ms", "p50_ms", "p99_ms", "stalls",
                                                 "stalled_ms", "late", "late_dropped"})
        self.assertEqual(doc["pool"], {"threads": 40, "busy": 1, "queued": 0, "busy_max": 1, "queued_max": 0})
        self.assertGreater(doc["loop_lag"]["ticks"], 5)

    def test_an_unwritable_folder_is_counted_never_raised(self) -> None:
        monitor = LoopMonitor(asyncio.new_event_loop(), 1.0, lambda: None)
        watchdog = Watchdog(monitor, threading.get_ident(), 5.0)
        ReportWriter("/nonexistent/folder", monitor, watchdog, lambda: 0).write()
        self.assertEqual(monitor.errors, 1)
        monitor.loop.close()


class AutoloadTest(unittest.TestCase):
    def test_the_launcher_wraps_the_app_uvicorn_loads(self) -> None:
        script = (
            "import uvicorn.config\n"
            "async def app(scope, receive, send): pass\n"
            "c = uvicorn.config.Config(app)\n"
            "c.load()\n"
            "print(type(c.loaded_app).__name__)\n"
        )
        out = subprocess.run([sys.executable, "-m", "concurrency_lab_probe", sys.executable, "-c", script],
                             capture_output=True, text=True, timeout=60, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": ROOT})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "ProbeMiddleware")

    def test_without_the_probe_the_app_is_left_alone(self) -> None:
        out = subprocess.run(
            [sys.executable, "-c", "import uvicorn.config\nasync def app(s, r, x): pass\n"
                                   "c = uvicorn.config.Config(app)\nc.load()\n"
                                   "print(getattr(c.loaded_app, 'probed_by_concurrency_lab', False))"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(out.stdout.strip(), "False", out.stderr)


if __name__ == "__main__":
    unittest.main()
