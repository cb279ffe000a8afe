//! Operating the bot: Prometheus metrics ([`metrics`]), the `/metrics`, `/healthz` and
//! `/readyz` listener ([`health`]) and content hot reload ([`reload`]).

pub mod health;
pub mod metrics;
pub mod reload;
