"""A netmiko-shaped connection over the simulator's pure CLI (no socket): what a line typed
gets back, including the echo, with hooks that make a device answer in ways the simulator
does not (an unknown refusal, a silent drop to EXEC)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from estate.lab.ios_cli import CliSession, DeviceState, Reply

Hook = Callable[[CliSession, str], Reply | None]


@dataclass
class FakeConnection:
    cli: CliSession
    hook: Hook | None = None
    typed: list[str] = field(default_factory=list)
    _out: str = ""

    @property
    def base_prompt(self) -> str:
        return self.cli.device.hostname

    @base_prompt.setter
    def base_prompt(self, value: str) -> None:
        pass

    def write_channel(self, text: str) -> None:
        for line in text.split("\n")[:-1]:
            self.typed.append(line)
            reply = self.hook(self.cli, line) if self.hook else None
            if reply is None:
                reply = self.cli.handle_line(line)
            self._out += (line if self.cli.echo else "") + "\r\n" + reply.text

    def read_channel(self) -> str:
        out, self._out = self._out, ""
        return out


def device(config: str = "hostname SW1\n", *, configuring: bool = True, hook: Hook | None = None) -> FakeConnection:
    state = DeviceState("SW1", "C9300-48P", config, "enable-secret")
    cli = CliSession(state)
    cli.privileged = True
    if configuring:
        cli.enter_config()
    return FakeConnection(cli, hook)
