//! Transport-neutral error codes. Every layer's error enum says which code it
//! is; only `service::status` turns a code into a gRPC status.

/// What kind of failure an error is, independent of any wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The caller sent something malformed; retrying the same request fails again.
    InvalidArgument,
    /// The thing asked for does not exist.
    NotFound,
    /// The thing to create exists already, in a different form.
    AlreadyExists,
    /// A dependency (the store) is unavailable for now; retrying later may work.
    Unavailable,
    /// A bug or corrupt data on the server side.
    Internal,
}
