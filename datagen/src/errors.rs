//! The server errors (5XX) of the checkout service: what is logged for each (class,
//! route, status, latency, stack-like message), for the incident and for a normal day.

/// A kind of server error (5XX) and the message logged for it.
#[derive(Debug)]
pub struct ErrorKind {
    /// The `error` field: the error's class or code.
    pub error: &'static str,
    pub route: usize,
    pub status: u16,
    /// Latency: log-normal median (ms) and sigma, plus a floor (the pool timeout).
    pub latency_ms: (f64, f64, f64),
    pub message: &'static str,
}

/// The connection pool's acquire timeout, milliseconds.
pub const POOL_TIMEOUT_MS: f64 = 2000.0;

#[cfg(test)]
pub const POOL: &str = "TimeoutError: could not acquire connection from pool after 2000ms\n    at Pool.acquire (db/pool.js:88:13)";

/// Errors caused by the incident, and their shares.
pub static INCIDENT_ERRORS: [(ErrorKind, f64); 4] = [
    (
        ErrorKind {
            error: "TimeoutError",
            route: 5,
            status: 500,
            latency_ms: (12.0, 0.5, POOL_TIMEOUT_MS),
            message: pool_stacks::CHECKOUT,
        },
        0.38,
    ),
    (
        ErrorKind {
            error: "TimeoutError",
            route: 2,
            status: 500,
            latency_ms: (12.0, 0.5, POOL_TIMEOUT_MS),
            message: pool_stacks::CART,
        },
        0.26,
    ),
    (
        ErrorKind {
            error: "TimeoutError",
            route: 4,
            status: 500,
            latency_ms: (12.0, 0.5, POOL_TIMEOUT_MS),
            message: pool_stacks::ORDERS,
        },
        0.18,
    ),
    (PAYMENT_503, 0.18),
];

/// Sporadic errors of a normal day, and their shares.
pub static BASELINE_ERRORS: [(ErrorKind, f64); 3] = [
    (
        ErrorKind {
            error: "ECONNRESET",
            route: 6,
            status: 502,
            latency_ms: (1200.0, 0.5, 0.0),
            message: "Error: read ECONNRESET\n    at TLSWrap.onStreamRead (node:internal/stream_base_commons:218:20)\n    at async PaymentClient.authorize (payments/client.js:58:19)\n    at async PaymentService.charge (payments/service.js:39:7)",
        },
        0.45,
    ),
    (PAYMENT_503, 0.35),
    (
        ErrorKind {
            error: "TypeError",
            route: 3,
            status: 500,
            latency_ms: (15.0, 0.4, 0.0),
            message: "TypeError: Cannot read properties of undefined (reading 'sku')\n    at CartService.addItem (cart/service.js:57:31)\n    at async handler (routes/cart.js:31:5)",
        },
        0.20,
    ),
];

const PAYMENT_503: ErrorKind = ErrorKind {
    error: "PaymentGatewayError",
    route: 6,
    status: 502,
    latency_ms: (350.0, 0.4, 0.0),
    message: "PaymentGatewayError: upstream 503 from payments.internal (POST /v1/authorize)\n    at PaymentClient.authorize (payments/client.js:64:11)\n    at async PaymentService.charge (payments/service.js:39:7)\n    at async handler (routes/payment.js:18:22)",
};

/// The pool timeout stacks, one per route (their first two lines are checked in the tests).
mod pool_stacks {
    pub const CHECKOUT: &str = "TimeoutError: could not acquire connection from pool after 2000ms\n    at Pool.acquire (db/pool.js:88:13)\n    at async OrderRepository.create (orders/repository.js:41:18)\n    at async CheckoutService.placeOrder (checkout/service.js:112:5)\n    at async handler (routes/checkout.js:27:20)";
    pub const CART: &str = "TimeoutError: could not acquire connection from pool after 2000ms\n    at Pool.acquire (db/pool.js:88:13)\n    at async CartRepository.load (cart/repository.js:23:16)\n    at async CartService.get (cart/service.js:31:12)\n    at async handler (routes/cart.js:14:18)";
    pub const ORDERS: &str = "TimeoutError: could not acquire connection from pool after 2000ms\n    at Pool.acquire (db/pool.js:88:13)\n    at async OrderRepository.findById (orders/repository.js:67:20)\n    at async handler (routes/orders.js:22:19)";
}
