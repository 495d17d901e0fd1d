//! Emits `client/src/generated/wire.rs`: the order operation on the wire, from the spec's
//! operation (found by `operationId`): its method and path, its header and query parameters
//! with their documented values, its body's media type and its documented success status.
//!
//! Why not progenitor's generated operation (`Client::order_client_certificate().send()`)?
//! Its `send` reads every response body whole and decodes it itself, so three guarantees of the
//! SDK could not hold: response bodies are read only up to `MAX_RESPONSE_BYTES`; an unreadable
//! 4xx keeps its HTTP status (progenitor's `InvalidResponsePayload` drops it); and a transport
//! error is split into "not sent" (connect), "sent, outcome unknown" (after the body left).
//! So codegen emits this thin layer from the same operation instead, and the client's
//! transport sends every attempt through it: a changed path, header or query parameter in the
//! spec reaches the wire on regeneration, with no hand edit.

use crate::model::Model;
use proc_macro2::TokenStream;
use quote::quote;

/// The wire layer's Rust source, unformatted.
pub fn tokens(model: &Model) -> TokenStream {
    let op = &model.operation;
    // The path's one placeholder is the product (whatever the spec names it).
    let (prefix, rest) = op.path.split_once('{').unwrap_or((op.path.as_str(), "}"));
    let suffix = rest.split_once('}').map_or("", |(_, suffix)| suffix);
    let operation_id = crate::model::OPERATION_ID;
    let success = op.success;
    let doc = format!(
        "One attempt of `{operation_id}` as a request: `POST {{base_url}}{}`, the spec's header \
         and query parameters with their documented values, and the JSON body.",
        op.path
    );
    let headers = op
        .extras
        .iter()
        .filter(|e| e.location == "header")
        .map(|e| {
            let (name, value) = (&e.name, &e.value);
            quote! { .header(#name, #value) }
        });
    let queries: Vec<TokenStream> = op
        .extras
        .iter()
        .filter(|e| e.location == "query")
        .map(|e| {
            let (name, value) = (&e.name, &e.value);
            quote! { (#name, #value) }
        })
        .collect();
    let query = (!queries.is_empty()).then(|| quote! { .query(&[#(#queries),*]) });
    quote! {
        use super::types;

        /// The operation's `operationId` in the spec.
        pub(crate) const OPERATION_ID: &str = #operation_id;

        /// The HTTP status of the operation's documented success response.
        pub(crate) const SUCCESS: u16 = #success;

        #[doc = #doc]
        pub(crate) fn request(
            http: &reqwest::Client,
            base_url: &str,
            product: &types::ClientCertificateId,
            body: bytes::Bytes,
        ) -> reqwest::RequestBuilder {
            let url = format!(
                "{}{}{}{}",
                base_url,
                #prefix,
                progenitor_client::encode_path(&product.to_string()),
                #suffix
            );
            http.post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                #(#headers)*
                #query
                .body(body)
        }
    }
}
