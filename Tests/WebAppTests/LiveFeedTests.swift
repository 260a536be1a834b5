import Testing
@testable import WebProgram

/// The live stream's bounds, without a daemon: each page's queue and how many pages listen.
@Suite struct LiveFeedTests {
    @Test func aPageTooSlowForThirtyTwoMessagesIsDroppedAfterThem() throws {
        let feed = LiveFeed(socket: "/nonexistent/control.sock")
        let page = try #require(feed.listen())
        #expect(String(decoding: try #require(page.next()), as: UTF8.self).hasPrefix("retry: 2000"), "the first part tells the browser when to reconnect")
        for i in 0..<40 { page.push(Array("data: {\"n\":\(i)}\n\n".utf8)) }
        var delivered: [String] = []
        while let m = page.next() { delivered.append(String(decoding: m, as: UTF8.self)) }
        // The 32 it held, in order, then the end (its browser reconnects and fetches the page's state afresh).
        #expect(delivered.count == LiveFeed.maxQueued && delivered.first == "data: {\"n\":0}\n\n" && delivered.last == "data: {\"n\":31}\n\n")
        page.close()
        #expect(feed.state.withLock { $0.listeners.isEmpty })
    }

    @Test func atMostFiftySixPagesListenAndAStopEndsThemAll() throws {
        let feed = LiveFeed(socket: "/nonexistent/control.sock")
        let pages = (0..<LiveFeed.maxListeners).compactMap { _ in feed.listen() }
        #expect(pages.count == 56 && feed.listen() == nil)
        pages[0].close()
        #expect(feed.listen() != nil, "a closed page's place is free again")
        feed.stop()
        for p in pages.dropFirst() {
            _ = p.next()   // the greeting
            #expect(p.next() == nil)
        }
        #expect(feed.listen() == nil, "nothing new listens once stopped")
    }
}
