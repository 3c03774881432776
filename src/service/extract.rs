//! `ExtractService`: read the facts of a text without storing anything.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert;
use crate::ingest::Ingestor;
use crate::pb;
use crate::pb::extract_service_server::ExtractService;

/// Serves `briefing.v1.ExtractService`.
pub struct ExtractHandler {
    pub(super) ingestor: Arc<Ingestor>,
}

#[tonic::async_trait]
impl ExtractService for ExtractHandler {
    async fn extract(&self, request: Request<pb::ExtractRequest>) -> Result<Response<pb::ExtractResponse>, Status> {
        let pb::ExtractRequest { text, published_date, title } = request.into_inner();
        let opt = |s: String| (!s.is_empty()).then_some(s);
        let facts = self.ingestor.extract_only(text, opt(published_date), opt(title)).await?;
        Ok(Response::new(pb::ExtractResponse { facts: Some(convert::facts("", &facts)) }))
    }
}
