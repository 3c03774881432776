//! Bearer-token authentication: one token lets a client ingest, another lets
//! it query. Each is optional; a service whose token is not configured is
//! open. Tokens are compared as SHA-256 digests in constant time, against
//! both configured tokens every time, so neither a token's length nor its
//! role leaks through timing.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use tonic::{Request, Status};

/// What a call wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Store documents (`IngestService`).
    Ingest,
    /// Read facts (`QueryService`, `ExtractService`).
    Query,
}

/// The configured tokens, as digests.
#[derive(Clone, Default)]
pub struct Tokens {
    ingest: Option<[u8; 32]>,
    query: Option<[u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("ingest", &self.ingest.map(|_| "<set>"))
            .field("query", &self.query.map(|_| "<set>"))
            .finish()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `given` equals `expected`, in time independent of both.
fn same(given: &[u8; 32], expected: Option<&[u8; 32]>) -> bool {
    // An unset token still costs one comparison, keeping the work equal.
    let (candidate, present) = match expected {
        Some(e) => (*e, true),
        None => ([0; 32], false),
    };
    bool::from(given.ct_eq(&candidate)) && present
}

impl Tokens {
    /// Returns the tokens to require; `None` or an empty string leaves that
    /// role open.
    pub fn new(ingest: Option<&str>, query: Option<&str>) -> Self {
        let set = |t: Option<&str>| t.filter(|t| !t.is_empty()).map(digest);
        Self { ingest: set(ingest), query: set(query) }
    }

    /// Whether any token is configured.
    pub fn any(&self) -> bool {
        self.ingest.is_some() || self.query.is_some()
    }

    /// Lets a call with these request headers act in `role`, or says why not.
    /// An ingest token may also query; a query token may not ingest.
    pub fn check(&self, role: Role, metadata: &tonic::metadata::MetadataMap) -> Result<(), Status> {
        let required = match role {
            Role::Ingest => self.ingest.is_some(),
            Role::Query => self.query.is_some(),
        };
        if !required {
            return Ok(());
        }
        let what = match role {
            Role::Ingest => "ingest",
            Role::Query => "queries",
        };
        let header = metadata.get("authorization").ok_or_else(|| {
            Status::unauthenticated(format!(
                "this server requires a bearer token for {what}: send the header `authorization: Bearer <token>` \
                 (the briefing CLI: --token or BRIEFING_TOKEN)"
            ))
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| Status::unauthenticated("the authorization header must read `Bearer <token>`"))?;
        let given = digest(token);
        let is_ingest = same(&given, self.ingest.as_ref());
        let is_query = same(&given, self.query.as_ref());
        match role {
            Role::Ingest if is_ingest => Ok(()),
            Role::Ingest if is_query => {
                Err(Status::permission_denied("this token may query but not ingest; use the server's ingest token"))
            }
            Role::Query if is_query || is_ingest => Ok(()),
            _ => Err(Status::unauthenticated(format!("the bearer token is not valid for {what}; check the token you were given"))),
        }
    }

    /// Returns an interceptor that admits calls in `role`.
    pub fn interceptor(&self, role: Role) -> impl FnMut(Request<()>) -> Result<Request<()>, Status> + Clone + use<> {
        let tokens = self.clone();
        move |request: Request<()>| {
            tokens.check(role, request.metadata())?;
            Ok(request)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;
    use tonic::metadata::MetadataMap;

    fn headers(value: Option<&str>) -> MetadataMap {
        let mut m = MetadataMap::new();
        if let Some(v) = value {
            m.insert("authorization", v.parse().unwrap());
        }
        m
    }

    fn code(tokens: &Tokens, role: Role, header: Option<&str>) -> Option<Code> {
        tokens.check(role, &headers(header)).err().map(|s| s.code())
    }

    #[test]
    fn each_token_opens_its_own_role() {
        let t = Tokens::new(Some("write-secret"), Some("read-secret"));
        let table = [
            (Role::Ingest, Some("Bearer write-secret"), None),
            (Role::Query, Some("Bearer read-secret"), None),
            (Role::Query, Some("Bearer write-secret"), None),
            (Role::Ingest, Some("Bearer read-secret"), Some(Code::PermissionDenied)),
            (Role::Ingest, None, Some(Code::Unauthenticated)),
            (Role::Query, None, Some(Code::Unauthenticated)),
            (Role::Query, Some("Bearer wrong"), Some(Code::Unauthenticated)),
            (Role::Ingest, Some("Bearer write-secre"), Some(Code::Unauthenticated)),
            (Role::Ingest, Some("write-secret"), Some(Code::Unauthenticated)),
            (Role::Ingest, Some("Basic d3JpdGU="), Some(Code::Unauthenticated)),
        ];
        for (role, header, want) in table {
            assert_eq!(code(&t, role, header), want, "{role:?} with {header:?}");
        }
    }

    #[test]
    fn unset_tokens_leave_their_role_open() {
        let none = Tokens::new(None, Some(""));
        assert!(!none.any());
        assert_eq!(code(&none, Role::Ingest, None), None);
        assert_eq!(code(&none, Role::Query, Some("Bearer anything")), None);
        let write_only = Tokens::new(Some("w"), None);
        assert_eq!(code(&write_only, Role::Query, None), None);
        assert_eq!(code(&write_only, Role::Ingest, None), Some(Code::Unauthenticated));
    }

    #[test]
    fn messages_say_what_to_send() {
        let t = Tokens::new(Some("hunter2"), None);
        let status = t.check(Role::Ingest, &headers(None)).unwrap_err();
        assert!(status.message().contains("authorization: Bearer"), "{}", status.message());
        let shown = format!("{t:?}");
        assert!(shown.contains("<set>") && !shown.contains("hunter2"), "{shown}");
    }
}
