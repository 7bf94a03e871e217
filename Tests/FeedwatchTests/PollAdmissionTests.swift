import FeedwatchModel
import FeedwatchNormalise
import Testing

@testable import FeedwatchDaemon

@Suite struct PollAdmissionTests {
    private func story(bodyBytes: Int) -> Story {
        var entry = Entry()
        entry.title = "Talks on ending the coalition resume in Baghdad"
        entry.content = String(repeating: "x", count: bodyBytes)
        return Normaliser.story(entry)
    }

    @Test("polls start up to eight per transfer slot")
    func countBound() {
        let admission = PollAdmission(transfers: 2)
        #expect(admission.maxPolls == 16)
        #expect(admission.mayStart(inFlight: 0))
        #expect(admission.mayStart(inFlight: 15))
        #expect(!admission.mayStart(inFlight: 16))
    }

    @Test("no poll starts while stories over the budget wait for the writer, but one always may")
    func byteBudget() async {
        let admission = PollAdmission(transfers: 4, budget: 50_000)
        await admission.waitingForWriter([story(bodyBytes: 10_000)]) {
            #expect(admission.waiting > 10_000)
            #expect(admission.mayStart(inFlight: 1))
            await admission.waitingForWriter([story(bodyBytes: 60_000)]) {
                #expect(!admission.mayStart(inFlight: 2))
                #expect(admission.mayStart(inFlight: 0))
            }
            #expect(admission.mayStart(inFlight: 1))
        }
        #expect(admission.waiting == 0)
    }

    @Test("a failed record gives its stories' bytes back")
    func failedRecord() async {
        struct Failed: Error {}
        let admission = PollAdmission(transfers: 1, budget: 50_000)
        await #expect(throws: Failed.self) {
            try await admission.waitingForWriter([story(bodyBytes: 60_000)]) { throw Failed() }
        }
        #expect(admission.waiting == 0)
        #expect(admission.mayStart(inFlight: 1))
    }
}
