"""`manage.py runserver` answers kept-alive requests without Nagle's 40 ms wait
(moviesearch.search.devserver): the sockets Django's development server accepts
have TCP_NODELAY set once the plugin's apps are loaded."""

import http.client
import socket
import threading

from django.core.servers import basehttp


def test_runserver_sockets_send_without_delay():
    seen = []

    class Recording(basehttp.WSGIRequestHandler):
        def setup(self):
            super().setup()  # socketserver's: sets TCP_NODELAY when switched on
            seen.append(
                self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            )

    def app(environ, start_response):
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")]
        )
        return [b"ok"]

    server = basehttp.WSGIServer(("127.0.0.1", 0), Recording)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        for _ in range(2):  # one kept-alive connection, as a browser's
            conn.request("GET", "/")
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"ok")
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
    assert seen and all(seen), seen
