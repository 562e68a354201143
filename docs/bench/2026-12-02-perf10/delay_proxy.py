import asyncio, sys
DELAY = float(sys.argv[1]) / 1000.0
LISTEN, TARGET = int(sys.argv[2]), int(sys.argv[3])
async def pipe(reader, writer, delay):
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()
    async def sender():
        while True:
            due, data = await q.get()
            if data is None:
                writer.close(); return
            now = loop.time()
            if due > now: await asyncio.sleep(due - now)
            writer.write(data)
    t = asyncio.create_task(sender())
    while True:
        data = await reader.read(65536)
        if not data:
            await q.put((0, None)); break
        await q.put((loop.time() + delay, data))
    await t
async def handle(cr, cw):
    sr, sw = await asyncio.open_connection('127.0.0.1', TARGET)
    await asyncio.gather(pipe(cr, sw, DELAY), pipe(sr, cw, DELAY), return_exceptions=True)
async def main():
    srv = await asyncio.start_server(handle, '127.0.0.1', LISTEN)
    async with srv: await srv.serve_forever()
asyncio.run(main())
