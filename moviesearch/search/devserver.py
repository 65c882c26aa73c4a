"""Django's development server (`manage.py runserver`) answers a browser's keep-alive
requests about 40 ms late: it writes a response's headers and body in two sends, and
Nagle's algorithm holds the body until the client acknowledges the headers, which
the client delays by up to 40 ms (python/cpython#108736). Measured on the demo
catalogue: a keyword search on one kept-alive connection took 52 ms, and 10.5 ms on a
new connection each time. Setting TCP_NODELAY on the accepted sockets, as
socketserver's own switch does, removes the wait. Only the development server's
handler changes; gunicorn sets TCP_NODELAY itself."""


def send_without_delay() -> None:
    from django.core.servers import basehttp

    basehttp.WSGIRequestHandler.disable_nagle_algorithm = True
