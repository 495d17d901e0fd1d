//! The SDK touches no process-wide state: an application installs its own rustls provider
//! (the usual `install_default().unwrap()`, or aws-lc-rs for FIPS) after building a client, and
//! both work. Its own test binary: the provider is a process-global.

use certcentral::types::ClientCertificateId;
use certcentral::{ApiKey, Client, Error, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{request, valid_body};

#[tokio::test]
async fn the_application_installs_its_provider_after_building_a_client() {
    let client = Client::builder(ApiKey::new("key"))
        .base_url("https://127.0.0.1:9/services/v2")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    rustls::crypto::ring::default_provider()
        .install_default()
        .expect("no provider was installed by the SDK");
    // The client's own TLS setup still works: an HTTPS attempt gets as far as connecting.
    let err = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotSent { .. }), "{err:?}");
}

/// A user's HTTP settings are applied, and the SDK still turns redirects off over them: a
/// redirect would carry the order and its key elsewhere.
#[tokio::test]
async fn configured_http_still_follows_no_redirect() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .configure_http(|http| http.redirect(reqwest::redirect::Policy::limited(10)))
        .build()
        .unwrap();
    server.inject(Fault::Redirect(server.order_url("class1_smime")));
    let err = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedResponse { status: 307, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1, "the redirect was not followed");
    assert!(server.ledger().is_empty());
}
