//! File naming of the req/res folder exchange.

use onshi_core::oqs::files::{
    qualification_request_name, response_name_for, QUALIFICATION_REQUEST_PREFIX,
    QUALIFICATION_RESPONSE_PREFIX,
};

#[test]
fn a_request_name_maps_to_its_response_name() {
    let request = qualification_request_name("20261125_0001");
    assert!(request.starts_with(QUALIFICATION_REQUEST_PREFIX));
    assert_eq!(
        response_name_for(&request).as_deref(),
        Some("OQSsiquc01res_20261125_0001.xml")
    );
    assert!(response_name_for(&request)
        .unwrap()
        .starts_with(QUALIFICATION_RESPONSE_PREFIX));
}

#[test]
fn other_request_kinds_map_the_same_way() {
    assert_eq!(
        response_name_for("OQSsiimm01req_x.xml").as_deref(),
        Some("OQSsiimm01res_x.xml")
    );
    assert_eq!(
        response_name_for("OQSmuquc02req_20261125.xml").as_deref(),
        Some("OQSmuquc02res_20261125.xml")
    );
}

#[test]
fn only_the_kind_marker_is_replaced_not_req_inside_the_suffix() {
    assert_eq!(
        response_name_for("OQSsiquc01req_req_1.xml").as_deref(),
        Some("OQSsiquc01res_req_1.xml")
    );
}

#[test]
fn names_that_are_not_requests_give_none() {
    for name in [
        "OQSsiquc01res_20261125_0001.xml",
        "face_result_example.xml",
        "req/OQSsiquc01req_1.xml",
        "OQSsiquc1req_1.xml",
        "OQSxxxxxxxreq_1.xml",
        "",
    ] {
        assert_eq!(response_name_for(name), None, "{name}");
    }
}
