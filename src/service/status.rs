//! The one table from errors to gRPC statuses. Every layer's error says its
//! transport-neutral code; only this module knows `tonic::Code`.

use tonic::{Code, Status};

use crate::error::ErrorCode;
use crate::ingest::IngestError;
use crate::query::QueryError;

fn code(c: ErrorCode) -> Code {
    match c {
        ErrorCode::InvalidArgument => Code::InvalidArgument,
        ErrorCode::NotFound => Code::NotFound,
        ErrorCode::AlreadyExists => Code::AlreadyExists,
        ErrorCode::Unavailable => Code::Unavailable,
        ErrorCode::Internal => Code::Internal,
    }
}

impl From<IngestError> for Status {
    fn from(e: IngestError) -> Self {
        Status::new(code(e.code()), e.to_string())
    }
}

impl From<QueryError> for Status {
    fn from(e: QueryError) -> Self {
        Status::new(code(e.code()), e.to_string())
    }
}
