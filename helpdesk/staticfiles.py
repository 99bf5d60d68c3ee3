"""Static file serving that suits both ASGI and WSGI."""

import asyncio

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
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

    The middleware is async-capable, because one synchronous middleware makes
    Django run the whole middleware chain in a worker thread for every
    request under ASGI, the reply streams included.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, settings=settings):
        super().__init__(get_response, settings)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        # Both lookups read the file list that WhiteNoise builds at start-up,
        # except with autorefresh (DEBUG), where find_file checks the disk.
        if self.autorefresh:
            static_file = self.find_file(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return self.serve(static_file, request)
        return await self.get_response(request)

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
