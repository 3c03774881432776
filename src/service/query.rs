//! `QueryService`: each method decodes the request, calls one query use case
//! and encodes the answer.

use std::sync::Arc;

use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::convert;
use super::streams::StreamLimit;
use super::watch::{WatchStream, stream};
use crate::feed::Feed;
use crate::metrics::StreamKind;
use crate::pb;
use crate::pb::query_service_server::QueryService;
use crate::query::Query;

/// Serves `briefing.v1.QueryService`.
pub struct QueryHandler {
    pub(super) query: Arc<Query>,
    pub(super) feed: Feed,
    pub(super) stop: watch::Receiver<bool>,
    pub(super) streams: StreamLimit,
}

#[tonic::async_trait]
impl QueryService for QueryHandler {
    type WatchFactsStream = WatchStream;

    async fn get_document(&self, request: Request<pb::GetDocumentRequest>) -> Result<Response<pb::GetDocumentResponse>, Status> {
        let (doc, facts) = self.query.get_document(request.into_inner().id).await?;
        let facts = convert::facts(&doc.document.id, &facts);
        Ok(Response::new(pb::GetDocumentResponse { document: Some(convert::document(&doc)), facts: Some(facts) }))
    }

    async fn list_documents(
        &self,
        request: Request<pb::ListDocumentsRequest>,
    ) -> Result<Response<pb::ListDocumentsResponse>, Status> {
        let (q, page) = convert::documents_query(request.into_inner());
        let out = self.query.list_documents(q, page).await?;
        let documents = out.items.iter().map(convert::document).collect();
        Ok(Response::new(pb::ListDocumentsResponse { documents, next_page_token: out.next_page_token }))
    }

    async fn list_persons(&self, request: Request<pb::ListPersonsRequest>) -> Result<Response<pb::ListPersonsResponse>, Status> {
        let (q, page) = convert::persons_query(request.into_inner());
        let out = self.query.list_persons(q, page).await?;
        let persons = out.items.iter().map(convert::profile).collect();
        Ok(Response::new(pb::ListPersonsResponse { persons, next_page_token: out.next_page_token }))
    }

    async fn get_person(&self, request: Request<pb::GetPersonRequest>) -> Result<Response<pb::GetPersonResponse>, Status> {
        let detail = self.query.get_person(request.into_inner().name).await?;
        Ok(Response::new(convert::person_detail(&detail)))
    }

    async fn list_events(&self, request: Request<pb::ListEventsRequest>) -> Result<Response<pb::ListEventsResponse>, Status> {
        let (q, page) = convert::events_query(request.into_inner())?;
        let out = self.query.list_events(q, page).await?;
        let events = out.items.iter().map(convert::doc_event).collect();
        Ok(Response::new(pb::ListEventsResponse { events, next_page_token: out.next_page_token }))
    }

    async fn list_quotes(&self, request: Request<pb::ListQuotesRequest>) -> Result<Response<pb::ListQuotesResponse>, Status> {
        let (q, page) = convert::quotes_query(request.into_inner());
        let out = self.query.list_quotes(q, page).await?;
        let quotes = out.items.iter().map(convert::doc_quote).collect();
        Ok(Response::new(pb::ListQuotesResponse { quotes, next_page_token: out.next_page_token }))
    }

    async fn list_figures(&self, request: Request<pb::ListFiguresRequest>) -> Result<Response<pb::ListFiguresResponse>, Status> {
        let (q, page) = convert::figures_query(request.into_inner());
        let out = self.query.list_figures(q, page).await?;
        let figures = out.items.iter().map(convert::doc_figure).collect();
        Ok(Response::new(pb::ListFiguresResponse { figures, next_page_token: out.next_page_token }))
    }

    async fn watch_facts(&self, request: Request<pb::WatchFactsRequest>) -> Result<Response<Self::WatchFactsStream>, Status> {
        let filter = convert::watch_filter(request.into_inner())?;
        let permit = self.streams.open(StreamKind::watch)?;
        Ok(Response::new(stream(self.feed.subscribe(filter), self.stop.clone(), permit)))
    }
}
