//! `#[derive(ClientCertificateOrder)]`: CertCentral client-certificate orders whose conditional
//! rules are checked by the compiler. Use it through `certcentral`, which re-exports it.
//!
//! Reads the rules table (`certcentral-table`) when it expands, so a regenerated spec changes
//! what compiles; writes only the expansion (and real rustc warnings for ignored parameters).
//!
//! The grammar, what is checked and the errors it gives are on
//! [`ClientCertificateOrder`](derive@ClientCertificateOrder).

#![warn(missing_docs)]

mod internals;

/// Derives `certcentral::ClientCertificateOrder` for a struct whose fields map to order
/// parameters, so that an order the spec's rules reject does not compile.
///
/// # Grammar
///
/// On the struct, `#[order(...)]` takes:
///
/// - `product = "…"` (required): one of `client_premium`, `client_digital_signature_plus`,
///   `client_email_security_plus`, `class1_smime`, `client_authentication_plus`;
/// - `PARAM = LITERAL`, any number: a parameter fixed for every value of the type, named by
///   its documented dotted path (`order_validity.years = 1`) or by its last segment when only
///   one parameter has it (`common_name_indicator = "given_name_surname"`,
///   `payment_method = "balance"`). Strings, integers and booleans;
/// - `crate = "path"`: where the expansion finds the `certcentral` crate, for a renamed or
///   re-exported dependency (as serde's `crate` attribute); `::certcentral` by default.
///
/// On a field, `#[order(...)]` takes:
///
/// - `param = "dotted.path"`: the parameter the field sets;
/// - `skip`: the field is not part of the order.
///
/// A field without an attribute maps to the parameter whose last segment is its name, when
/// exactly one parameter has that name (`emails` → `certificate.emails`). An `Option<T>` field
/// is sent only when it is `Some`. Lists of objects (`custom_fields`, `organization.contacts`)
/// take a `Vec` of the generated item type.
///
/// # What is checked at compile time
///
/// Every rule of the spec's `x-certcentral-rules` and every schema constraint the compiler can
/// decide: unknown products, parameters and keys (with the nearest name suggested); what a
/// product requires or must not send; the common-name-indicator and card-payment rules; the
/// required emails, signature hash and validity; fixed values against their enum, range,
/// length, pattern and date format; field types against parameter types; two fields for one
/// parameter. Each error is spanned on the field or attribute at fault and names the rule.
/// Deprecated or ignored parameters compile with a warning.
///
/// What only run time can know (an empty `emails`, a malformed address, a value from a
/// variable, a rule that depends on an `Option` field) is checked by
/// `ClientCertificateOrder::try_into_request`, which runs the full validator.
///
/// # Example
///
/// ```
/// use certcentral::ClientCertificateOrder;
///
/// #[derive(ClientCertificateOrder)]
/// #[order(product = "client_premium", common_name_indicator = "given_name_surname", signature_hash = "sha256")]
/// struct EmployeeCert {
///     #[order(param = "certificate.common_name")]
///     display_name: String,
///     emails: Vec<String>,
///     #[order(param = "certificate.individual.first_name")]
///     first: String,
///     #[order(param = "certificate.individual.last_name")]
///     last: String,
///     #[order(param = "organization.id")]
///     org: i64,
///     #[order(param = "order_validity.years")]
///     years: u8,
/// }
///
/// let cert = EmployeeCert {
///     display_name: "Alice Example".into(),
///     emails: vec!["alice@example.com".into()],
///     first: "Alice".into(),
///     last: "Example".into(),
///     org: 112233,
///     years: 1,
/// };
/// let request = cert.try_into_request()?;
/// assert_eq!(serde_json::to_value(&request)?["certificate"]["individual"]["first_name"], "Alice");
///
/// // Run-time facts are checked on conversion.
/// let too_long = EmployeeCert { years: 5, ..cert };
/// let invalid = too_long.try_into_request().unwrap_err();
/// assert_eq!(invalid.violations[0].rule, "schema.range");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A Premium order without an organization does not compile:
///
/// ```compile_fail
/// use certcentral::ClientCertificateOrder;
///
/// #[derive(ClientCertificateOrder)]
/// #[order(product = "client_premium", common_name_indicator = "pseudonym", signature_hash = "sha256")]
/// struct NoOrg {
///     common_name: String,
///     emails: Vec<String>,
///     pseudonym: String,
///     #[order(param = "order_validity.years")]
///     years: u8,
/// }
/// ```
///
/// # Compile errors, as the compiler prints them
///
/// Each names its rule, says what to do, and points at the field or setting at fault:
///
/// ```text
/// error: certcentral rule `organization.required`: This product is issued to an organization: set organization.id (or the details of a new organization).
///        missing: organization; map a field with #[order(param = "organization.id")] or fix a value with #[order(organization.id = …)]
///  --> src/main.rs:4:19
///   |
/// 4 | #[order(product = "client_digital_signature_plus", common_name_indicator = "given_name_surname", signature_hash = "sha256")]
///   |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
///
/// error: certcentral rule `common_name.class1_forbidden`: Class 1 S/MIME is mailbox-validated: DigiCert uses the first address in certificate.emails as the common name, so do not send certificate.common_name.
///        remove `certificate.common_name`
///  --> src/main.rs:9:5
///   |
/// 9 |     common_name: String,
///   |     ^^^^^^^^^^^
///
/// error: certcentral rule `schema.enum`: `sha1` is not an allowed value of `certificate.signature_hash`; allowed: sha256
///  --> src/main.rs:4:52
///   |
/// 4 | #[order(product = "class1_smime", signature_hash = "sha1")]
///   |                                                    ^^^^^^
/// ```
///
/// Every error the derive can give is pinned by a compiled case in the repository
/// (`ui/tests/ui/<rule>/`).
#[proc_macro_derive(ClientCertificateOrder, attributes(order))]
pub fn derive_client_certificate_order(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let ast = syn::parse_macro_input!(input as syn::DeriveInput);
    internals::derive(&ast).into()
}
