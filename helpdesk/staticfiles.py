"""Static file serving that suits both ASGI and WSGI."""

import asyncio

from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseMiddleware

# The chunk size of Django's ASGI handler, which sends each block as it is.
BLOCK_SIZE = 64 * 1024


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """Serve static files with WhiteNoise, streamed asynchronously under ASGI.

    WhiteNoise 6.12 hands Django a response that reads a file synchronously.
    Under ASGI, Django then reads the whole file in a worker thread and warns
    that StreamingHttpResponse must consume synchronous iterators, once per
    process. Under WSGI the response stays as WhiteNoise makes it.
    """

    @staticmethod
    def serve(static_file, request):
        response = WhiteNoiseMiddleware.serve(static_file, request)
        if isinstance(request, ASGIRequest):
            # The file stays among the response's resources, so Django closes
            # it once the response is sent or the client leaves.
            response.streaming_content = read_blocks(response.file_to_stream)
        return response


async def read_blocks(file):
    """Yield ``file`` in blocks, each read in a thread off the event loop.

    Yields nothing for None, which WhiteNoise passes for HEAD requests and 304
    responses.
    """
    if file is None:
        return
    while block := await asyncio.to_thread(file.read, BLOCK_SIZE):
        yield block
