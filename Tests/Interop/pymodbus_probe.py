"""An independent Modbus peer for the interoperability tests: pymodbus serving probe-like registers.

Usage: pymodbus_probe.py tcp PORT | rtu DEVICE
Unit 1 serves fixed values of every register type and word order, plus a counter at 30 that changes on each
read (a changing temperature); unit 2 answers every request with exception 4 (server device failure); unit 3
answers only after 1.5 s, later than the gateway waits; unit 4 is an I/O module with separate blocks: coils
1,0,1 from 0 and discrete inputs (door switches) 0,1,1,0,0,0,0,0,1 from 0. Prints "ready" once it serves.
"""
import asyncio
import struct
import sys

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice


def words(fmt, value):
    """Big-endian 16-bit words of a packed value."""
    raw = struct.pack(">" + fmt, value)
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


REGISTERS = [0] * 40
REGISTERS[0] = -35 & 0xFFFF                   # int16 x0.1      -> -3.5
REGISTERS[1] = 455                            # uint16 x0.1     -> 45.5
REGISTERS[2] = 10035                          # offset-encoded  -> -3.5
REGISTERS[10:12] = words("i", -4000)          # int32 big x0.001 -> -4.0
REGISTERS[12:14] = list(reversed(words("I", 450)))  # uint32 little x0.01 -> 4.5
REGISTERS[20:22] = words("f", 4.25)           # float32 big     -> 4.25
REGISTERS[22:24] = list(reversed(words("f", 4.25)))  # float32 little -> 4.25
REGISTERS[24:26] = words("f", float("nan"))   # float32 NaN     -> probe fault
REGISTERS[30] = 50                            # counter x0.1, +1 per read


async def probe_action(function_code, start_address, address, count, current_registers, set_values):
    if set_values is None and address <= 30 < address + count:
        current_registers[30 - start_address] += 1
    return None


async def failing_action(function_code, start_address, address, count, current_registers, set_values):
    return ExcCodes.DEVICE_FAILURE


async def slow_action(function_code, start_address, address, count, current_registers, set_values):
    await asyncio.sleep(1.5)
    return None


def devices():
    return [
        SimDevice(id=1, simdata=[SimData(0, values=list(REGISTERS), datatype=DataType.REGISTERS)], action=probe_action),
        SimDevice(id=2, simdata=[SimData(0, values=[0] * 8, datatype=DataType.REGISTERS)], action=failing_action),
        SimDevice(id=3, simdata=[SimData(0, values=[0] * 8, datatype=DataType.REGISTERS)], action=slow_action),
        SimDevice(id=4, simdata=([SimData(0, values=[True, False, True], datatype=DataType.BITS)],
                                 [SimData(0, values=[False, True, True, False, False, False, False, False, True], datatype=DataType.BITS)],
                                 [SimData(0, values=[0], datatype=DataType.REGISTERS)],
                                 [SimData(0, values=[0], datatype=DataType.REGISTERS)])),
    ]


async def main():
    if sys.argv[1] == "tcp":
        server = ModbusTcpServer(devices(), address=("127.0.0.1", int(sys.argv[2])), ignore_missing_devices=True)
    else:
        server = ModbusSerialServer(devices(), port=sys.argv[2], baudrate=9600, ignore_missing_devices=True)
    task = asyncio.create_task(server.serve_forever())
    await asyncio.sleep(0.3)
    print("ready", flush=True)
    await task


asyncio.run(main())
